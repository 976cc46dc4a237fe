using System.Text;

namespace ChainRule.IO;

/// <summary>
/// The one place ChainRule writes files. A write goes to a temporary file in the target's directory,
/// is flushed to disk, and then renamed over the target, so readers (and a crash) see either the old
/// file or the complete new one, never half of it.
/// </summary>
/// <remarks>
/// NOTE: the temporary file must live in the same directory as the target: a rename is atomic only
/// within one file system. Out of scope: syncing the directory entry after the rename (.NET has no API
/// for it), so after a power loss the old file may reappear, but never a torn one.
/// </remarks>
public static class AtomicFile
{
    /// <summary>
    /// Creates or replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it
    /// is given (it must not dispose the stream). Creates the directory if it is missing. If
    /// <paramref name="write"/> or the file system throws, the exception propagates, the target is left as
    /// it was, and the temporary file is deleted.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' names a root directory, not a file.", nameof(path));
        Directory.CreateDirectory(directory);

        // A leading dot hides it from directory listings; the random part lets concurrent writers coexist.
        // NOTE: the file name is cut to 100 characters so the temp name stays under the usual 255-byte limit.
        string name = Path.GetFileName(target);
        string temp = Path.Combine(directory, $".{name[..Math.Min(name.Length, 100)]}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>Creates or replaces <paramref name="path"/> with <paramref name="contents"/> as UTF-8 without a byte order mark.</summary>
    public static void WriteAllText(string path, string contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(contents)));
    }

    /// <summary>Creates or replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes));
    }

    // NOTE: runs while an exception is in flight; failing to clean up must not replace the original error.
    private static void DeleteQuietly(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

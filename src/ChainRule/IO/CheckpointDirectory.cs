using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChainRule.IO;

/// <summary>
/// A run directory whose checkpoints are committed as units. Each checkpoint is a folder
/// (<c>checkpoints/epoch-0007/</c>) written completely under a temporary name, then renamed into place; a small
/// manifest, <c>current.json</c>, written last through <see cref="AtomicFile"/>, makes it current. rename(2) cannot
/// replace a non-empty directory, so the manifest is the atomic step: at every moment the manifest names either the
/// previous complete checkpoint or the new one. Readers go through <see cref="ReadManifest"/>, never the newest folder.
/// </summary>
/// <remarks>
/// After each commit, superseded checkpoints (all but the last <see cref="Keep"/>), half-written temporary folders
/// and stale temporary files of killed writes are removed; nothing else in the directory is touched. One writer at a
/// time: <see cref="Lock"/> takes an exclusive lock that the operating system releases when the process dies.
/// </remarks>
public sealed partial class CheckpointDirectory
{
    public const string ManifestName = "current.json", CheckpointsFolder = "checkpoints", LockName = ".lock";

    private const string ManifestFormat = "chainrule-checkpoints";

    // what a manifest may name: checkpoints/epoch-0007 or checkpoints/epoch-0007-2, nothing outside the folder
    [GeneratedRegex(@"^checkpoints/epoch-\d{4,9}(-\d{1,4})?$")]
    private static partial Regex CheckpointName();

    [GeneratedRegex(@"^(epoch-\d{4,9}(-\d{1,4})?|\.epoch-\d{4,9}\.[0-9a-f]{32}\.tmp)$")]
    private static partial Regex OwnFolder();

    // AtomicFile's temporary files: .NAME.GUID.tmp
    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TempFile();

    /// <param name="root">The run directory (created on the first commit).</param>
    /// <param name="keep">How many complete checkpoints stay on disk (the current one included).</param>
    public CheckpointDirectory(string root, int keep = 2)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Root = root;
        Keep = keep;
    }

    public string Root { get; }

    public int Keep { get; }

    public string ManifestPath => Path.Combine(Root, ManifestName);

    /// <summary>
    /// Called with the name of each step of a commit as it completes ("files-written", "folder-renamed",
    /// "manifest-written", "cleaned"): fault-injection tests kill the process there.
    /// </summary>
    public Action<string>? OnStage { get; init; }

    /// <summary>
    /// Takes the directory's exclusive lock (creating the directory): dispose it when the run ends. A second run into
    /// the same directory is refused while the first holds it; a killed run's lock is released by the system.
    /// </summary>
    /// <exception cref="IOException">Another process holds the lock.</exception>
    public IDisposable Lock()
    {
        Directory.CreateDirectory(Root);
        string path = Path.Combine(Root, LockName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"{Root}: in use by another training run (it holds {path}); wait for it to end or use another directory.", e);
        }
    }

    /// <summary>The current manifest, or null when the directory has none (no checkpoint committed yet, or an older run).</summary>
    /// <exception cref="InvalidDataException">The manifest is malformed, or names a checkpoint folder that is missing (the message names the file).</exception>
    public CheckpointManifest? ReadManifest()
    {
        string path = ManifestPath;
        if (!File.Exists(path))
        {
            return null;
        }
        long length = new FileInfo(path).Length;
        if (length > 1 << 20)
        {
            throw new InvalidDataException($"{path}: {length:N0} bytes; a checkpoint manifest is a few hundred.");
        }
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(path), s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a checkpoint manifest (malformed JSON{(e.LineNumber is long l ? $" at line {l + 1}" : "")}).", e);
        }
        string? problem = manifest switch
        {
            null => "empty",
            { Format: not ManifestFormat } or { Version: not 1 } => $"format '{manifest.Format}' version {manifest.Version}, expected '{ManifestFormat}' version 1",
            { Epoch: < 1 } => $"epoch {manifest.Epoch} is not a completed epoch",
            _ when manifest.Current is null || !CheckpointName().IsMatch(manifest.Current) => $"'current' must name a folder checkpoints/epoch-NNNN, got '{manifest.Current}'",
            _ when manifest.History is null || manifest.History.Length > 1000 || manifest.History.Any(h => h is null || !CheckpointName().IsMatch(h)) || !manifest.History.Contains(manifest.Current)
                => "'history' must list checkpoints/epoch-NNNN folders, the current one among them",
            _ when !Directory.Exists(Path.Combine(Root, manifest.Current)) => $"its checkpoint '{manifest.Current}' is missing",
            _ => null,
        };
        return problem is null ? manifest : throw new InvalidDataException($"{path}: {problem}.");
    }

    /// <summary>The folder of the current checkpoint, or null when there is none.</summary>
    public string? CurrentFolder => ReadManifest() is { } m ? Path.Combine(Root, m.Current) : null;

    /// <summary>
    /// Writes a checkpoint of <paramref name="epoch"/>: <paramref name="writeFiles"/> fills a new folder (write through
    /// <see cref="AtomicFile"/>, <see cref="Checkpoint"/> or <see cref="Safetensors"/>, which flush to disk), which is
    /// then renamed into place and made current by the manifest; then the superseded are removed.
    /// Returns the new checkpoint's folder.
    /// </summary>
    public string Commit(int epoch, bool complete, Action<string> writeFiles)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);
        ArgumentNullException.ThrowIfNull(writeFiles);
        CheckpointManifest? previous = ReadManifest();
        string folder = Path.Combine(Root, CheckpointsFolder);
        Directory.CreateDirectory(folder);
        string temp = Path.Combine(folder, $".epoch-{epoch:D4}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            writeFiles(temp);
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
        OnStage?.Invoke("files-written");

        string[] referenced = previous?.History ?? [];
        string name = $"epoch-{epoch:D4}";
        for (int k = 2; referenced.Contains($"{CheckpointsFolder}/{name}"); k++)
        {
            name = $"epoch-{epoch:D4}-{k}"; // a fresh run into an older run's directory: never touch what the manifest names
        }
        string target = Path.Combine(folder, name);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true); // renamed by a run killed before its manifest: never current
        }
        Directory.Move(temp, target);
        OnStage?.Invoke("folder-renamed");

        string current = $"{CheckpointsFolder}/{name}";
        var manifest = new CheckpointManifest
        {
            Current = current,
            Epoch = epoch,
            Complete = complete,
            History = [.. referenced.Where(h => h != current).Append(current).TakeLast(Keep)],
        };
        AtomicFile.WriteAllText(ManifestPath, JsonSerializer.Serialize(manifest, s_json));
        OnStage?.Invoke("manifest-written");
        RemoveStale(manifest);
        OnStage?.Invoke("cleaned");
        return target;
    }

    /// <summary>
    /// Removes what no manifest names: checkpoint folders beyond the manifest's history, half-written temporary
    /// folders, and AtomicFile's temporary files left by killed writes (in the run directory and its checkpoints).
    /// Safe only while holding the <see cref="Lock"/>.
    /// </summary>
    public void RemoveStale(CheckpointManifest? manifest)
    {
        string folder = Path.Combine(Root, CheckpointsFolder);
        if (Directory.Exists(folder))
        {
            var keep = new HashSet<string>(manifest?.History ?? []);
            foreach (string dir in Directory.EnumerateDirectories(folder))
            {
                string name = Path.GetFileName(dir);
                if (OwnFolder().IsMatch(name) && !keep.Contains($"{CheckpointsFolder}/{name}"))
                {
                    DeleteQuietly(dir);
                }
            }
        }
        if (Directory.Exists(Root))
        {
            foreach (string file in Directory.EnumerateFiles(Root))
            {
                if (TempFile().IsMatch(Path.GetFileName(file)))
                {
                    DeleteQuietly(file);
                }
            }
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        MaxDepth = 8,
    };
}

/// <summary>current.json: which checkpoint of a run directory is current, and the ones kept before it.</summary>
public sealed record CheckpointManifest
{
    public string Format { get; init; } = "chainrule-checkpoints";

    public int Version { get; init; } = 1;

    /// <summary>The current checkpoint's folder, relative to the run directory: checkpoints/epoch-0007.</summary>
    public string Current { get; init; } = "";

    /// <summary>The last epoch the current checkpoint completed (from 1).</summary>
    public int Epoch { get; init; }

    /// <summary>True once the run finished: its final model is the current checkpoint.</summary>
    public bool Complete { get; init; }

    /// <summary>The checkpoints kept, oldest first; the last is <see cref="Current"/>.</summary>
    public string[] History { get; init; } = [];
}

using System.Buffers.Binary;
using System.IO.Compression;

namespace ChainRule.Bench.Data;

/// <summary>
/// Minimal reader for gzip-compressed IDX files (the MNIST format): a 4-byte magic 0x0000TTRR
/// (TT = 0x08 for unsigned bytes, RR = rank), RR big-endian int32 dimensions, then the payload.
/// Stands in until the library's own reader exists; errors name the file and the byte offset
/// in the decompressed stream.
/// </summary>
public static class Idx
{
    /// <summary>Reads an unsigned-byte IDX file of the expected rank as bytes.</summary>
    public static (int[] Dimensions, byte[] Data) ReadBytes(string path, int rank)
    {
        using var stream = OpenPayload(path, rank, out int[] dimensions, out int count);
        var data = new byte[count];
        ReadPayload(stream, path, rank, data.AsSpan(), (source, destination) => source.CopyTo(destination));
        return (dimensions, data);
    }

    /// <summary>
    /// Reads an unsigned-byte IDX file as floats, value / divisor, converting chunk by chunk so
    /// that no byte copy of the payload is ever held (it would count in the training run's peak RSS).
    /// </summary>
    public static (int[] Dimensions, float[] Data) ReadAsFloat(string path, int rank, float divisor)
    {
        using var stream = OpenPayload(path, rank, out int[] dimensions, out int count);
        var data = new float[count];
        ReadPayload(stream, path, rank, data.AsSpan(), (source, destination) =>
        {
            for (int i = 0; i < source.Length; i++)
                destination[i] = source[i] / divisor;
        });
        return (dimensions, data);
    }

    private delegate void Convert<T>(ReadOnlySpan<byte> source, Span<T> destination);

    // Opens the file, checks magic and dimensions, and leaves the stream at the payload.
    private static GZipStream OpenPayload(string path, int rank, out int[] dimensions, out int count)
    {
        var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        try
        {
            Span<byte> header = stackalloc byte[4 + 4 * rank];
            int headerRead = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (headerRead < header.Length)
                throw new InvalidDataException($"{path}: truncated header at byte {headerRead}; expected {header.Length} bytes");
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            int expectedMagic = 0x0800 | rank;
            if (magic != expectedMagic)
                throw new InvalidDataException($"{path}: magic 0x{magic:X8} at byte 0; expected 0x{expectedMagic:X8} (unsigned bytes, rank {rank})");

            dimensions = new int[rank];
            long total = 1;
            for (int d = 0; d < rank; d++)
            {
                dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * d)..]);
                if (dimensions[d] <= 0)
                    throw new InvalidDataException($"{path}: dimension {d} is {dimensions[d]} at byte {4 + 4 * d}");
                total *= dimensions[d];
            }
            if (total > Array.MaxLength)
                throw new InvalidDataException($"{path}: dimensions [{string.Join(", ", dimensions)}] at byte 4 describe {total} elements, too many for one array");
            count = (int)total;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // Fills destination from the payload in 64 KiB chunks; the payload must end exactly there.
    private static void ReadPayload<T>(Stream stream, string path, int rank, Span<T> destination, Convert<T> convert)
    {
        int headerLength = 4 + 4 * rank;
        var chunk = new byte[1 << 16];
        int done = 0;
        while (done < destination.Length)
        {
            int read = stream.Read(chunk, 0, Math.Min(chunk.Length, destination.Length - done));
            if (read == 0)
                throw new InvalidDataException($"{path}: payload ends at byte {headerLength + done}; the dimensions need {destination.Length} bytes after the {headerLength}-byte header");
            convert(chunk.AsSpan(0, read), destination.Slice(done, read));
            done += read;
        }
        if (stream.Read(chunk, 0, 1) != 0)
            throw new InvalidDataException($"{path}: unexpected data at byte {headerLength + done}, after the payload the dimensions describe");
    }
}

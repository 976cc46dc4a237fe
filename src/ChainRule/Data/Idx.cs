using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ChainRule.Data;

/// <summary>
/// Reads and writes IDX files, the format of the MNIST files, raw or gzip-compressed.
/// </summary>
/// <remarks>
/// Layout (every multi-byte number big-endian):
/// <code>
///   byte 0, 1       0x00 0x00
///   byte 2          type code (IdxType): 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
///   byte 3          rank r (at least 1)
///   byte 4 .. 4r+3  r int32 dimensions, outermost first, each >= 0
///   byte 4r+4 ..    product(dims) values in row-major order, and nothing after them
/// </code>
/// Compression is detected by the gzip magic 1F 8B, never by the file name. Every format error is a
/// <see cref="DataFormatException"/> naming the file and the byte offset of the problem; inside a gzip
/// file the offset counts bytes of the decompressed IDX data, and the message says so.
/// Out of scope: files of more than 2^31 - 1 elements (a Tensor's limit) and reading part of a file.
/// </remarks>
public static class Idx
{
    private const int ChunkBytes = 1 << 16; // payload is decoded in chunks of this many bytes

    private const int InitialElements = 1 << 20; // first storage for a stream of unknown length (gzip)

    /// <summary>
    /// Reads an IDX file (raw or gzip) into a tensor with the file's dimensions, holding the stored values
    /// unscaled: float32 for every type but 0x0E, which gives float64. Int32 values beyond 2^24 are rounded
    /// to the nearest float32. <paramref name="rank"/> and <paramref name="type"/>, when given, are checked too.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="DataFormatException">The content is not a valid IDX file (or not of the expected rank or type).</exception>
    public static Tensor Read(string path, int? rank = null, IdxType? type = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file not found: {path}", path);
        }
        using FileStream file = File.OpenRead(path);
        return Read(file, path, rank, type);
    }

    /// <summary>
    /// Reads IDX data from the stream's current position to its end. <paramref name="name"/> stands for the
    /// file in error messages (a path, a resource name). A stream that cannot seek is first copied to memory,
    /// since detecting gzip means looking at its first two bytes. The stream is left open.
    /// </summary>
    /// <inheritdoc cref="Read(string, int?, IdxType?)" path="/exception[2]"/>
    public static Tensor Read(Stream stream, string name, int? rank = null, IdxType? type = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        if (!IsGzip(stream))
        {
            return ReadIdx(stream, name, decompressed: false, rank, type);
        }
        using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        return ReadIdx(gzip, name, decompressed: true, rank, type);
    }

    /// <summary>
    /// Writes <paramref name="tensor"/> as an IDX file of element type <paramref name="type"/>, gzip-compressed
    /// when the path ends in ".gz". Atomic: the bytes go to a temporary file in the same directory, which then
    /// replaces <paramref name="path"/>, so a reader never sees half a file.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has rank 0 or above 255, or an integer type is asked for
    /// and some value is not an integer in the type's range (the message names the first such element).</exception>
    public static void Write(string path, Tensor tensor, IdxType type)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        int size = ElementSize(type);
        if (tensor.Rank is 0 or > 255)
        {
            throw new ArgumentException($"IDX holds rank 1 to 255; the tensor has shape {tensor.Shape}.", nameof(tensor));
        }
        int headerBytes = 4 + (4 * tensor.Rank);
        long totalBytes = headerBytes + ((long)tensor.Size * size);
        if (totalBytes > Array.MaxLength)
        {
            throw new ArgumentException($"a tensor of shape {tensor.Shape} as {type} needs {totalBytes} bytes, more than one array holds.", nameof(tensor));
        }

        var bytes = new byte[totalBytes];
        bytes[2] = (byte)type;
        bytes[3] = (byte)tensor.Rank;
        for (int i = 0; i < tensor.Rank; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), tensor.Shape.Dims[i]);
        }
        Tensor values = (tensor.DType.IsFloatingPoint() ? tensor : tensor.To(DType.Float64)).Contiguous(); // integers are exact in float64
        if (values.DType == DType.Float32)
        {
            Encode<float>(values.AsSpan<float>(), type, bytes.AsSpan(headerBytes));
        }
        else
        {
            Encode<double>(values.AsSpan<double>(), type, bytes.AsSpan(headerBytes));
        }

        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        IO.AtomicFile.Write(path, file =>
        {
            if (gzip)
            {
                using var compressed = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
                compressed.Write(bytes);
            }
            else
            {
                file.Write(bytes);
            }
        });
    }

    /// <summary>Bytes per element: 1, 1, 2, 4, 4, 8.</summary>
    public static int ElementSize(IdxType type) => type switch
    {
        IdxType.UInt8 or IdxType.Int8 => 1,
        IdxType.Int16 => 2,
        IdxType.Int32 or IdxType.Float32 => 4,
        IdxType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), $"unknown IDX type code 0x{(byte)type:X2}."),
    };

    // True when the stream starts with the gzip magic 1F 8B; the position is restored either way.
    private static bool IsGzip(Stream stream)
    {
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    // Parses the IDX layout from data (already decompressed); offset counts the bytes consumed so far.
    private static Tensor ReadIdx(Stream data, string name, bool decompressed, int? expectedRank, IdxType? expectedType)
    {
        long offset = 0;
        Span<byte> head = stackalloc byte[4];
        int read = Fill(head);
        if (read < 4)
        {
            throw Error(read, $"the data ends after {read} bytes, inside the 4-byte IDX magic");
        }
        if (head[0] != 0 || head[1] != 0)
        {
            throw Error(head[0] != 0 ? 0 : 1, $"bad magic 0x{BinaryPrimitives.ReadUInt32BigEndian(head):X8}: an IDX file starts with two zero bytes");
        }
        var type = (IdxType)head[2];
        if (!Enum.IsDefined(type))
        {
            throw Error(2, $"unknown IDX type code 0x{head[2]:X2} (known: 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)");
        }
        if (expectedType is IdxType expected && type != expected)
        {
            throw Error(2, $"element type {type} (0x{(byte)type:X2}), expected {expected} (0x{(byte)expected:X2})");
        }
        int rank = head[3];
        if (rank == 0 || (expectedRank is int r && rank != r))
        {
            throw Error(3, rank == 0 ? "rank 0: an IDX file has at least one dimension" : $"rank {rank}, expected {expectedRank}");
        }
        offset = 4;

        var dimBytes = new byte[4 * rank];
        read = Fill(dimBytes);
        if (read < dimBytes.Length)
        {
            throw Error(4 + read, $"the data ends inside the dimensions: rank {rank} needs a {4 + dimBytes.Length}-byte header");
        }
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (dims[i] < 0)
            {
                throw Error(4 + (4 * i), $"dimension {i} is {dims[i]}; dimensions must be >= 0");
            }
            count = Math.Min(count * dims[i], (long)int.MaxValue + 1); // stays below 2^62: no overflow
        }
        if (count > int.MaxValue)
        {
            throw Error(4, $"dimensions {Shape.Format(dims)} hold more than {int.MaxValue} elements, a tensor's limit");
        }
        long headerBytes = 4 + dimBytes.Length;
        offset = headerBytes;

        // Payload: decode chunk by chunk into the tensor; it must end exactly at `end`.
        int size = ElementSize(type);
        long end = headerBytes + (count * size);
        if (data.CanSeek && data.Length - data.Position < end - offset)
        {
            // A raw file's length is known: report a short one before allocating for what its header promises.
            throw Truncated(offset + data.Length - data.Position);
        }
        // A raw file was length-checked above, so its tensor is allocated at once. A gzip stream's length is unknown
        // until it ends: the storage grows (doubling, up to what the header claims) as decoded bytes arrive, so a tiny
        // file claiming a huge shape allocates about twice what it really holds before it is found truncated.
        bool float64 = type == IdxType.Float64;
        int capacity = data.CanSeek ? (int)count : (int)Math.Min(count, InitialElements);
        Array storage = float64 ? new double[capacity] : new float[capacity];
        var chunk = new byte[(int)Math.Clamp(end - offset, 1, ChunkBytes)]; // ChunkBytes is a multiple of every size
        int element = 0;
        while (offset < end)
        {
            int want = (int)Math.Min(chunk.Length, end - offset);
            read = Fill(chunk.AsSpan(0, want));
            if (read < want)
            {
                throw Truncated(offset + read);
            }
            int values = want / size;
            if (element + values > storage.Length)
            {
                storage = Grow(storage, (int)Math.Min(count, Math.Max(2L * storage.Length, element + values)), element);
            }
            if (float64)
            {
                Decode(chunk.AsSpan(0, want), ((double[])storage).AsSpan(element, values));
            }
            else
            {
                Decode(chunk.AsSpan(0, want), type, ((float[])storage).AsSpan(element, values));
            }
            element += values;
            offset += want;
        }
        var shape = new Shape(dims);
        var tensor = new Tensor(storage, 0, shape, shape.ContiguousStrides(), float64 ? DType.Float64 : DType.Float32, ownsBuffer: true);
        long extra = 0;
        do
        {
            read = Fill(chunk);
            extra += read;
        }
        while (read == chunk.Length);
        if (extra > 0)
        {
            throw Error(end, $"{extra} unexpected bytes after the payload: {type} {Shape.Format(dims)} ends at byte {end}");
        }
        return tensor;

        // Reads until the buffer is full or the data ends; returns the count read.
        int Fill(Span<byte> buffer)
        {
            try
            {
                return data.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            catch (InvalidDataException e) when (decompressed)
            {
                throw Error(offset, $"the gzip stream is corrupt after this point ({e.Message})");
            }
        }

        DataFormatException Truncated(long length) =>
            Error(length, $"truncated: {type} {Shape.Format(dims)} needs {end} bytes ({headerBytes} header + {end - headerBytes} payload), the data has {length}");

        DataFormatException Error(long at, string problem) =>
            new(name, decompressed ? $"byte {at} (decompressed offset)" : $"byte {at}", problem);
    }

    // Big-endian bytes to float32, for every type but Float64. One loop per type, compiled optimized at once:
    // a file is read once per process, so with tiered JIT much of a large payload (Fashion-MNIST's 47 million
    // pixels) would go through unoptimized code, several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Array Grow(Array storage, int length, int used)
    {
        Array larger = storage is double[] ? new double[length] : new float[length];
        Array.Copy(storage, larger, used);
        return larger;
    }

    private static void Decode(ReadOnlySpan<byte> bytes, IdxType type, Span<float> destination)
    {
        switch (type)
        {
            case IdxType.UInt8:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = bytes[i];
                }
                break;
            case IdxType.Int8:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (sbyte)bytes[i];
                }
                break;
            case IdxType.Int16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt16BigEndian(bytes[(2 * i)..]);
                }
                break;
            case IdxType.Int32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 * i)..]);
                }
                break;
            default:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleBigEndian(bytes[(4 * i)..]);
                }
                break;
        }
    }

    // Big-endian bytes to float64 (type 0x0E).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Decode(ReadOnlySpan<byte> bytes, Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadDoubleBigEndian(bytes[(8 * i)..]);
        }
    }

    // Values to big-endian bytes; integer types take only integers in their range.
    private static void Encode<T>(ReadOnlySpan<T> values, IdxType type, Span<byte> destination)
        where T : IFloatingPointIeee754<T>
    {
        int size = ElementSize(type);
        (double min, double max) = type switch
        {
            IdxType.UInt8 => (byte.MinValue, byte.MaxValue),
            IdxType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            IdxType.Int16 => (short.MinValue, short.MaxValue),
            IdxType.Int32 => (int.MinValue, int.MaxValue),
            _ => (double.NegativeInfinity, double.PositiveInfinity),
        };
        for (int i = 0; i < values.Length; i++)
        {
            double v = double.CreateTruncating(values[i]);
            Span<byte> d = destination[(i * size)..];
            bool isInteger = type is not (IdxType.Float32 or IdxType.Float64);
            if (isInteger && (v != Math.Floor(v) || v < min || v > max))
            {
                throw new ArgumentException($"element {i} is {v}; IDX type {type} holds integers in [{min}, {max}].");
            }
            switch (type)
            {
                case IdxType.UInt8: d[0] = (byte)v; break;
                case IdxType.Int8: d[0] = (byte)(sbyte)v; break;
                case IdxType.Int16: BinaryPrimitives.WriteInt16BigEndian(d, (short)v); break;
                case IdxType.Int32: BinaryPrimitives.WriteInt32BigEndian(d, (int)v); break;
                case IdxType.Float32: BinaryPrimitives.WriteSingleBigEndian(d, (float)v); break;
                default: BinaryPrimitives.WriteDoubleBigEndian(d, v); break;
            }
        }
    }
}

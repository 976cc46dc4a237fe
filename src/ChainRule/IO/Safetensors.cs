using System.Buffers.Binary;

namespace ChainRule.IO;

// The safetensors format (huggingface/safetensors), byte for byte:
//
//   [0, 8)       N, an unsigned 64-bit little-endian integer: the length of the header
//   [8, 8 + N)   the header: a UTF-8 JSON object, padded with spaces so that N % 8 == 0
//                  {"__metadata__": {"key": "value", ...},                                (optional, strings only)
//                   "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//   [8 + N, end) the data buffer: each tensor's elements, row-major and little-endian, at [begin, end)
//                counted from byte 8 + N. The tensors tile the buffer exactly: no gaps, no overlaps,
//                nothing after the last one. Empty tensors have begin == end; 0-d tensors have shape [].
//
// Save writes each dtype as its own file type (Float32 F32, Float64 F64, Int32 I32, Int64 I64, Bool BOOL,
// UInt8 U8), in the order given, through AtomicFile. Load reads those six as they are, widens I8 and I16 to
// Int32, refuses U16/U32/U64 (no unsigned type of that width here), and widens F16 and BF16 to Float32 (exactly: every F16 and BF16
// value is a float). ReadHeader knows every element type of the format, so tools can inspect any file.
// A malformed file raises InvalidDataException naming the file, the byte offset and, when one is to
// blame, the tensor. Out of scope: memory-mapping, loading single tensors, writing F16/BF16.
// NOTE: keeping the caller's order means an F64 tensor after an odd number of F32 elements starts at an
// offset that is not a multiple of 8. The format allows it and readers copy the bytes; the reference
// writer instead sorts tensors by alignment, then name.
public static partial class Safetensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/>, in the given order, and <paramref name="metadata"/> to a safetensors
    /// file at <paramref name="path"/>, atomically (see <see cref="AtomicFile"/>). Non-contiguous tensors are
    /// written in row-major order. Each dtype is stored as its own type: F32, F64, I32, I64, BOOL, U8. Empty metadata is left out.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A name is empty, repeated or <c>__metadata__</c>, a tensor is null, or a metadata value is null.
    /// </exception>
    public static void Save(string path, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        CheckSaveArguments(tensors, metadata);
        byte[] header = FormatHeader(tensors, metadata);
        AtomicFile.Write(path, stream =>
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (KeyValuePair<string, Tensor> entry in tensors)
            {
                WriteData(stream, entry.Value);
            }
        });
    }

    /// <summary>
    /// Reads and validates the header of the safetensors file at <paramref name="path"/>, without reading
    /// the tensors' data: names, element types, shapes, data offsets and metadata.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file; the message names the file and the byte offset.</exception>
    public static SafetensorsHeader ReadHeader(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>
    /// Reads every tensor and the metadata of the safetensors file at <paramref name="path"/>. F32, F64, I32,
    /// I64, BOOL and U8 load as their own dtypes; F16 and BF16 are converted to Float32, I8 and I16 to Int32
    /// (the result's header keeps the stored type).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file; the message names the file and the byte offset.</exception>
    /// <exception cref="NotSupportedException">
    /// A tensor has another element type (U16, U32, U64, F8_*, C64, ...) or more than int.MaxValue elements; the message names
    /// the file, the tensor and its type.
    /// </exception>
    public static SafetensorsFile Load(string path)
    {
        using FileStream stream = File.OpenRead(path);
        SafetensorsHeader header = ReadHeader(stream, path);
        foreach (SafetensorsTensorInfo info in header.Tensors)
        {
            CheckLoadable(info, header.DataStart, path);
        }
        var tensors = new List<KeyValuePair<string, Tensor>>(header.Tensors.Count);
        foreach (SafetensorsTensorInfo info in header.Tensors)
        {
            stream.Position = header.DataStart + info.Begin;
            tensors.Add(new(info.Name, ReadData(stream, info)));
        }
        return new SafetensorsFile(tensors, header);
    }

    private static void CheckSaveArguments(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            (string name, Tensor tensor) = tensors[i];
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"tensor {i} has an empty name; safetensors names must be non-empty.", nameof(tensors));
            }
            if (name == MetadataKey)
            {
                throw new ArgumentException($"tensor {i} is named '{MetadataKey}', which the format reserves for metadata.", nameof(tensors));
            }
            if (!positions.TryAdd(name, i))
            {
                throw new ArgumentException($"tensors {positions[name]} and {i} are both named '{name}'; names must be unique.", nameof(tensors));
            }
            if (tensor is null)
            {
                throw new ArgumentException($"tensor '{name}' (position {i}) is null.", nameof(tensors));
            }
        }
        foreach (KeyValuePair<string, string> entry in metadata ?? new Dictionary<string, string>())
        {
            if (entry.Value is null)
            {
                throw new ArgumentException($"metadata '{entry.Key}' has a null value; safetensors metadata values are strings.", nameof(metadata));
            }
        }
    }

    // Load keeps the library's element types: what is not a float stays out rather than being guessed at.
    private static void CheckLoadable(SafetensorsTensorInfo info, long dataStart, string path)
    {
        if (LoadedType(info.DType) is null)
        {
            throw new NotSupportedException(At(path, dataStart + info.Begin, info.DType is "U16" or "U32" or "U64"
                ? $"tensor '{info.Name}' has dtype {info.DType}; ChainRule has no unsigned {info.DType[1..]}-bit type: convert it to I64 (or I32) before saving."
                : $"tensor '{info.Name}' has dtype {info.DType}; ChainRule loads F32, F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL (use ReadHeader to inspect other types)."));
        }
        long elements = info.ByteLength / (ElementBits(info.DType) / 8);
        if (elements > int.MaxValue)
        {
            throw new NotSupportedException(At(path, dataStart + info.Begin,
                $"tensor '{info.Name}' of shape {info.Shape} has {elements} elements; a ChainRule tensor holds at most {int.MaxValue}."));
        }
    }

    // Every error about a file's contents starts the same way: which file, which byte.
    private static string At(string path, long offset, string message) => $"{path}: byte {offset}: {message}";
}

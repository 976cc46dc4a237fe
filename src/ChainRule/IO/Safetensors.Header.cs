using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChainRule.IO;

// The header: reading it (length, UTF-8, JSON, field types) and writing it. Byte offsets in errors are
// absolute positions in the file: a JSON token at index i of the header is at byte 8 + i.
public static partial class Safetensors
{
    private const string MetadataKey = "__metadata__";

    // The reference implementation refuses larger headers, so that a hostile length cannot make a reader allocate gigabytes.
    private const long MaxHeaderLength = 100_000_000;

    // Bits per element of every element type the format defines. F4 and F6 pack several elements per byte.
    private static readonly Dictionary<string, int> s_elementBits = new()
    {
        ["BOOL"] = 8, ["U8"] = 8, ["I8"] = 8, ["I16"] = 16, ["U16"] = 16, ["I32"] = 32, ["U32"] = 32, ["I64"] = 64, ["U64"] = 64,
        ["F16"] = 16, ["BF16"] = 16, ["F32"] = 32, ["F64"] = 64, ["C64"] = 64,
        ["F4"] = 4, ["F6_E2M3"] = 6, ["F6_E3M2"] = 6,
        ["F8_E5M2"] = 8, ["F8_E4M3"] = 8, ["F8_E8M0"] = 8, ["F8_E4M3FNUZ"] = 8, ["F8_E5M2FNUZ"] = 8,
    };

    private static int ElementBits(string dtype) => s_elementBits[dtype];

    private static SafetensorsHeader ReadHeader(Stream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new InvalidDataException(At(path, 0, $"the file is {fileLength} bytes long; a safetensors file starts with an 8-byte header length."));
        }
        var prefix = new byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new InvalidDataException(At(path, 0, $"the header length is {headerLength} bytes, but only {fileLength - 8} bytes follow it."));
        }
        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidDataException(At(path, 0, $"the header length {headerLength} exceeds the format's limit of {MaxHeaderLength} bytes."));
        }
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + json.Length;
        (List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata) = ParseHeader(json, path);
        return new SafetensorsHeader(dataStart, CheckLayout(tensors, dataStart, fileLength, path), metadata);
    }

    private static (List<SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(byte[] json, string path)
    {
        int invalid = FirstInvalidUtf8(json);
        if (invalid >= 0)
        {
            throw new InvalidDataException(At(path, 8 + invalid, "the header is not valid UTF-8."));
        }
        var tensors = new List<SafetensorsTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        var reader = new Utf8JsonReader(json);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidDataException(At(path, 8 + reader.TokenStartIndex, $"the header must be a JSON object, not {reader.TokenType}."));
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                long keyAt = 8 + reader.TokenStartIndex;
                string name = ReadString(ref reader, path);
                if (name == MetadataKey)
                {
                    metadata = metadata is null ? ReadMetadata(ref reader, path)
                        : throw new InvalidDataException(At(path, keyAt, $"'{MetadataKey}' appears twice."));
                }
                else if (name.Length == 0)
                {
                    throw new InvalidDataException(At(path, keyAt, "a tensor has an empty name."));
                }
                else if (!names.Add(name))
                {
                    throw new InvalidDataException(At(path, keyAt, $"tensor '{name}' appears twice; names must be unique."));
                }
                else
                {
                    tensors.Add(ReadTensorInfo(ref reader, name, path));
                }
            }
            // Only whitespace (the padding) may follow the object; anything else makes Read throw.
            reader.Read();
        }
        catch (JsonException e)
        {
            long at = 8 + OffsetOf(json, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            // The reader ends its message with a line and column within the header; the file offset replaces them.
            int suffix = e.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            string reason = suffix < 0 ? e.Message : e.Message[..suffix];
            throw new InvalidDataException(At(path, at, $"the header is not valid JSON: {reason}"), e);
        }
        return (tensors, metadata ?? []);
    }

    // {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, each field exactly once and nothing else.
    private static SafetensorsTensorInfo ReadTensorInfo(ref Utf8JsonReader reader, string name, string path)
    {
        long entryAt = 8 + reader.TokenStartIndex;
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException(At(path, 8 + reader.TokenStartIndex,
                $"tensor '{name}': expected an object with \"dtype\", \"shape\" and \"data_offsets\", found {reader.TokenType}."));
        }
        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            long fieldAt = 8 + reader.TokenStartIndex;
            string field = ReadString(ref reader, path);
            reader.Read();
            long valueAt = 8 + reader.TokenStartIndex;
            if ((field == "dtype" && dtype is not null) || (field == "shape" && shape is not null) || (field == "data_offsets" && offsets is not null))
            {
                throw new InvalidDataException(At(path, fieldAt, $"tensor '{name}': \"{field}\" appears twice."));
            }
            switch (field)
            {
                case "dtype":
                    dtype = reader.TokenType == JsonTokenType.String ? ReadString(ref reader, path)
                        : throw new InvalidDataException(At(path, valueAt, $"tensor '{name}': \"dtype\" must be a string, not {reader.TokenType}."));
                    if (!s_elementBits.ContainsKey(dtype))
                    {
                        throw new InvalidDataException(At(path, valueAt, $"tensor '{name}': unknown dtype '{dtype}'."));
                    }
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, int.MaxValue, $"tensor '{name}': \"shape\"", path);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, long.MaxValue, $"tensor '{name}': \"data_offsets\"", path);
                    if (offsets.Count != 2)
                    {
                        throw new InvalidDataException(At(path, valueAt, $"tensor '{name}': \"data_offsets\" must hold two numbers [begin, end], not {offsets.Count}."));
                    }
                    break;
                default:
                    throw new InvalidDataException(At(path, fieldAt,
                        $"tensor '{name}': unexpected field \"{field}\"; an entry has \"dtype\", \"shape\" and \"data_offsets\"."));
            }
        }
        string? missing = dtype is null ? "dtype" : shape is null ? "shape" : offsets is null ? "data_offsets" : null;
        if (missing is not null)
        {
            throw new InvalidDataException(At(path, entryAt, $"tensor '{name}' has no \"{missing}\"."));
        }
        return new SafetensorsTensorInfo(name, dtype!, new Shape(shape!.Select(d => (int)d).ToArray()), offsets![0], offsets[1]);
    }

    // [n0, n1, ...], each a whole number in [0, max].
    private static List<long> ReadIntegers(ref Utf8JsonReader reader, long max, string what, string path)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidDataException(At(path, 8 + reader.TokenStartIndex, $"{what} must be an array of integers, not {reader.TokenType}."));
        }
        var values = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0 || value > max)
            {
                throw new InvalidDataException(At(path, 8 + reader.TokenStartIndex,
                    $"{what} must hold integers from 0 to {max}; found {Encoding.UTF8.GetString(reader.ValueSpan)}."));
            }
            values.Add(value);
        }
        return values;
    }

    // {"key": "value", ...}: strings only.
    private static Dictionary<string, string> ReadMetadata(ref Utf8JsonReader reader, string path)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException(At(path, 8 + reader.TokenStartIndex, $"'{MetadataKey}' must be an object of strings, not {reader.TokenType}."));
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            long keyAt = 8 + reader.TokenStartIndex;
            string key = ReadString(ref reader, path);
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new InvalidDataException(At(path, 8 + reader.TokenStartIndex, $"metadata '{key}' must be a string, not {reader.TokenType}."));
            }
            if (!metadata.TryAdd(key, ReadString(ref reader, path)))
            {
                throw new InvalidDataException(At(path, keyAt, $"metadata '{key}' appears twice."));
            }
        }
        return metadata;
    }

    // Compact JSON, "__metadata__" first, then the tensors in order with consecutive offsets; padded with spaces to a multiple of 8.
    private static byte[] FormatHeader(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        // NOTE: the default encoder would write '+' or 'é' in names as \uXXXX: valid, but unreadable. HTML safety is moot in a file header.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> entry in metadata)
                {
                    writer.WriteString(entry.Key, entry.Value);
                }
                writer.WriteEndObject();
            }
            long begin = 0;
            foreach ((string name, Tensor tensor) in tensors)
            {
                long end = begin + ((long)tensor.Size * tensor.DType.ElementSize());
                writer.WriteStartObject(name);
                writer.WriteString("dtype", FileType(tensor.DType));
                writer.WriteStartArray("shape");
                foreach (int dim in tensor.Shape)
                {
                    writer.WriteNumberValue(dim);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(begin);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                begin = end;
            }
            writer.WriteEndObject();
        }
        var header = new byte[(json.WrittenCount + 7) / 8 * 8];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    // NOTE: valid UTF-8 can still escape half a surrogate pair ("\uD800"), which no .NET string can hold.
    private static string ReadString(ref Utf8JsonReader reader, string path)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException(At(path, 8 + reader.TokenStartIndex, $"the header holds an invalid string: {e.Message}"), e);
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length;)
        {
            if (Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != OperationStatus.Done)
            {
                return i;
            }
            i += consumed;
        }
        return -1;
    }

    // Index of (line, byte in line), both from 0, as JsonException reports positions.
    private static long OffsetOf(ReadOnlySpan<byte> json, long line, long byteInLine)
    {
        long start = 0;
        for (long i = 0; i < line; i++)
        {
            int next = json[(int)start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }
            start += next + 1;
        }
        return Math.Min(start + byteInLine, json.Length);
    }
}

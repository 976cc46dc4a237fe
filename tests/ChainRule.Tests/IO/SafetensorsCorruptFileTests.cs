using System.Buffers.Binary;
using System.Text;
using ChainRule.IO;

namespace ChainRule.Tests.IO;

// Every way a safetensors file can be malformed, one row each. Both ReadHeader and Load must refuse the
// file with an InvalidDataException whose message names the file, the exact byte offset of the problem,
// and the tensor (or field) to blame.
public class SafetensorsCorruptFileTests
{
    // In header rows, '@' marks the byte the error must point at; it is removed before writing the file.
    public static Rows Files => new()
    {
        { "shorter than 8 bytes", [1, 2, 3, 4, 5], 0, ["5 bytes long"] },
        { "header length past the end of the file", [100, 0, 0, 0, 0, 0, 0, 0, .. "{}"u8], 0, ["100 bytes", "only 2 bytes"] },
        { "header length 2^64 - 1", [255, 255, 255, 255, 255, 255, 255, 255, .. "{}"u8], 0, ["18446744073709551615"] },
        { "not UTF-8", [9, 0, 0, 0, 0, 0, 0, 0, .. "{\"w"u8, 0xFF, .. "\":{}}"u8], 11, ["UTF-8"] },
        Header("empty header", "@", ["not valid JSON"]),
        Header("not JSON", """{"w" @{}}""", ["not valid JSON"]),
        Header("not JSON, on the third line", "{\n  \"w\": {\"dtype\": \"F32\",\n  \"shape\": [1] @\"data_offsets\": [0, 4]}}", ["not valid JSON"]),
        Header("an array instead of an object", "@[1]", ["JSON object"]),
        Header("text after the object", "{} @x", ["not valid JSON"]),
        Header("an entry that is not an object", """{"w":@[1]}""", ["'w'", "expected an object"]),
        Header("dtype not a string", """{"w":{"dtype":@32,"shape":[1],"data_offsets":[0,4]}}""", ["'w'", "\"dtype\" must be a string"]),
        Header("unknown dtype", """{"w":{"dtype":@"F128","shape":[1],"data_offsets":[0,4]}}""", ["'w'", "F128"]),
        Header("shape not an array", """{"w":{"dtype":"F32","shape":@"2","data_offsets":[0,8]}}""", ["'w'", "\"shape\" must be an array"]),
        Header("negative dimension", """{"w":{"dtype":"F32","shape":[@-1],"data_offsets":[0,4]}}""", ["'w'", "\"shape\"", "-1"]),
        Header("fractional dimension", """{"w":{"dtype":"F32","shape":[@1.5],"data_offsets":[0,4]}}""", ["'w'", "\"shape\"", "1.5"]),
        Header("dimension beyond int", """{"w":{"dtype":"F32","shape":[@4294967296],"data_offsets":[0,4]}}""", ["'w'", "4294967296"]),
        Header("nested shape", """{"w":{"dtype":"F32","shape":[@[1]],"data_offsets":[0,4]}}""", ["'w'", "\"shape\""]),
        Header("three data offsets", """{"w":{"dtype":"F32","shape":[1],"data_offsets":@[0,4,8]}}""", ["'w'", "two numbers"]),
        Header("negative data offset", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[@-4,0]}}""", ["'w'", "\"data_offsets\""]),
        Header("missing data_offsets", """{@"w":{"dtype":"F32","shape":[1]}}""", ["'w'", "no \"data_offsets\""]),
        Header("misspelt field", """{"w":{"dtype":"F32","shape":[1],@"offsets":[0,4]}}""", ["'w'", "unexpected field \"offsets\""]),
        Header("field twice", """{"w":{"dtype":"F32",@"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", ["'w'", "\"dtype\" appears twice"]),
        Header("tensor twice", """{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]},@"w":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}""", ["'w' appears twice"]),
        Header("lone surrogate in a name", """{@"\uD800":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""", ["invalid string"]),
        Header("lone surrogate in metadata", """{"__metadata__":{"k":@"\uDC00"}}""", ["invalid string"]),
        Header("empty tensor name", """{@"":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""", ["empty name"]),
        Header("metadata not an object", """{"__metadata__":@["a"]}""", ["'__metadata__'", "object of strings"]),
        Header("metadata value not a string", """{"__metadata__":{"a":@1}}""", ["metadata 'a'", "must be a string"]),
        Header("metadata key twice", """{"__metadata__":{"a":"1",@"a":"2"}}""", ["metadata 'a' appears twice"]),
        Header("metadata twice", """{"__metadata__":{},@"__metadata__":{}}""", ["'__metadata__' appears twice"]),
        // Layout rows: the last number is the expected position within the data buffer.
        Layout("end before begin", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", 8, 8, ["'w'", "[8, 4]", "end before they begin"]),
        Layout("size not shape times dtype", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4, 0, ["'w'", "needs 8 bytes", "span 4"]),
        Layout("gap before the first tensor", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, 0, ["4 bytes", "start of the data", "'w'"]),
        Layout("gap between tensors", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, 4, ["4 bytes", "'a'", "'b'", "belong to no tensor"]),
        Layout("overlapping tensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, 4, ["'b'", "overlaps tensor 'a'"]),
        Layout("data past the end of the file", """{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 4, 0, ["'w'", "past the end of the file", "holds 4 bytes"]),
        Layout("bytes after the last tensor", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 6, 4, ["2 bytes follow the last tensor, 'w'"]),
        Layout("data but no tensors", "{}", 3, 0, ["3 bytes follow the header"]),
        Layout("element count overflows", """{"w":{"dtype":"F64","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}""", 8, 0, ["'w'", "more elements"]),
        Layout("sub-byte type not filling a byte", """{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}""", 2, 0, ["'w'", "whole number of bytes"]),
    };

    [Theory, MemberData(nameof(Files))]
    public void ReadHeader_and_Load_name_the_file_the_byte_offset_and_the_culprit(string problem, byte[] file, long expectedByte, string[] mentions)
    {
        using var dir = new TempDirectory();
        string path = dir.File("corrupt.safetensors");
        File.WriteAllBytes(path, file);

        foreach (Func<object> read in new Func<object>[] { () => Safetensors.ReadHeader(path), () => Safetensors.Load(path) })
        {
            var error = Assert.Throws<InvalidDataException>(read);
            Assert.True(error.Message.StartsWith($"{path}: byte {expectedByte}: ", StringComparison.Ordinal),
                $"{problem}: expected '{path}: byte {expectedByte}: ...', got '{error.Message}'");
            foreach (string mention in mentions)
            {
                Assert.True(error.Message.Contains(mention, StringComparison.Ordinal), $"{problem}: '{error.Message}' does not mention '{mention}'");
            }
        }
    }

    [Fact]
    public void A_header_over_100_MB_is_refused_before_it_is_read()
    {
        using var dir = new TempDirectory();
        string path = dir.File("huge.safetensors");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write([0x01, 0xE1, 0xF5, 0x05, 0, 0, 0, 0]); // 100,000,001
            stream.SetLength(8 + 100_000_001); // sparse: nothing is written
        }

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.ReadHeader(path));

        Assert.StartsWith($"{path}: byte 0: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("100000001", error.Message, StringComparison.Ordinal);
    }

    private static (string, byte[], long, string[]) Header(string problem, string json, string[] mentions)
    {
        int at = json.IndexOf('@', StringComparison.Ordinal);
        return (problem, FileBytes(json.Remove(at, 1), 0), 8 + at, mentions);
    }

    private static (string, byte[], long, string[]) Layout(string problem, string json, int dataLength, long dataOffset, string[] mentions) =>
        (problem, FileBytes(json, dataLength), 8 + json.Length + dataOffset, mentions);

    /// <summary>Rows of (problem, file bytes, expected byte offset, words the message must contain).</summary>
    public sealed class Rows : TheoryData<string, byte[], long, string[]>
    {
        public void Add((string Problem, byte[] File, long Byte, string[] Mentions) row) => Add(row.Problem, row.File, row.Byte, row.Mentions);
    }

    private static byte[] FileBytes(string json, int dataLength)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + header.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        return file;
    }
}

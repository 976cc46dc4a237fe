using System.Buffers.Binary;
using System.Text;
using ChainRule.IO;

namespace ChainRule.Tests.IO;

// Round trips, the exact bytes of the format, F16/BF16 conversion and Save's argument checks.
// Malformed files are in SafetensorsCorruptFileTests. Expected bytes are written out by hand from the
// format's description (huggingface/safetensors README), never produced by the code under test.
public class SafetensorsTests
{
    [Fact]
    public void Save_writes_the_bytes_the_format_prescribes_for_one_tensor()
    {
        using var dir = new TempDirectory();
        string path = dir.File("w.safetensors");

        Safetensors.Save(path, [new("w", Tensor.FromArray(1f, -2f))]);

        // 54 bytes of JSON + 2 spaces of padding = 56 = 0x38.
        byte[] expected =
        [
            0x38, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""" + "  "),
            0x00, 0x00, 0x80, 0x3F, // 1.0f, little-endian
            0x00, 0x00, 0x00, 0xC0, // -2.0f
        ];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Save_writes_metadata_first_then_tensors_in_the_given_order_with_scalars_and_empty_tensors()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");

        Safetensors.Save(path,
            [new("s", Tensor.Scalar(0.1, DType.Float64)), new("e", Tensor.Zeros([0, 3]))],
            new Dictionary<string, string> { ["format"] = "pt" });

        // 139 bytes of JSON + 5 spaces = 144 = 0x90. The empty tensor takes no bytes: [8, 8].
        const string json = """{"__metadata__":{"format":"pt"},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]}}""";
        byte[] expected =
        [
            0x90, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes(json + "     "),
            0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F, // 0.1 as a little-endian double (0x3FB999999999999A)
        ];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Save_with_no_tensors_writes_an_empty_object_padded_to_8_bytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.safetensors");

        Safetensors.Save(path, []);

        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, .. "{}      "u8], File.ReadAllBytes(path));
        SafetensorsFile loaded = Safetensors.Load(path);
        Assert.Empty(loaded.Tensors);
        Assert.Empty(loaded.Metadata);
    }

    [Fact]
    public void Load_widens_a_hand_made_F16_and_BF16_file_to_float32_exactly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("half.safetensors");
        // 113 bytes of JSON + 7 spaces = 120 = 0x78; then 6 F16 values and 6 BF16 values, 2 bytes each, little-endian.
        const string json = """{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[12,24]}}""";
        File.WriteAllBytes(path,
        [
            0x78, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes(json + "       "),
            0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x55, 0x35, 0x00, 0xFC, // F16 3C00 C000 7BFF 0001 3555 FC00
            0x80, 0x3F, 0x40, 0xC0, 0x49, 0x40, 0x01, 0x00, 0x80, 0x7F, 0x00, 0x80, // BF16 3F80 C040 4049 0001 7F80 8000
        ]);

        SafetensorsFile loaded = Safetensors.Load(path);

        Assert.Equal(["h", "b"], loaded.Tensors.Select(t => t.Key));
        Assert.Equal(["F16", "BF16"], loaded.Header.Tensors.Select(t => t.DType));
        Tensor h = loaded["h"];
        Tensor b = loaded["b"];
        Assert.Equal((DType.Float32, new Shape(6)), (h.DType, h.Shape));
        Assert.Equal((DType.Float32, new Shape(2, 3)), (b.DType, b.Shape));
        // 1, -2, the largest half (65504), the smallest half subnormal (2^-24), 0x3555 = 1.333... * 2^-2, -inf.
        Assert.Equal([1f, -2f, 65504f, (float)Math.Pow(2, -24), 0.333251953125f, float.NegativeInfinity], h.ToArray());
        // 1, -3, 1.5703125 * 2 = 3.140625, the smallest bfloat16 subnormal (2^-133), +inf, -0.
        float[] bValues = b.ToArray();
        Assert.Equal([1f, -3f, 3.140625f, (float)Math.Pow(2, -133), float.PositiveInfinity, 0f], bValues);
        Assert.True(float.IsNegative(bValues[5]), "BF16 0x8000 is -0");
    }

    [Fact]
    public void Float32_round_trips_bit_for_bit_including_NaN_payloads_negative_zero_and_subnormals()
    {
        int[] bits =
        [
            0x7FC12345, unchecked((int)0xFFA00001), // a quiet NaN with a payload, a negative signaling NaN
            unchecked((int)0x80000000), 0x00000001, 0x007FFFFF, // -0, the smallest and the largest subnormal
            0x7F800000, unchecked((int)0xFF800000), 0x7F7FFFFF, 0x3F800000, // +inf, -inf, float.MaxValue, 1
        ];
        Tensor x = Tensor.FromArray(bits.Select(BitConverter.Int32BitsToSingle).ToArray(), [3, 3]);

        Tensor y = RoundTrip(x);

        Assert.Equal((DType.Float32, new Shape(3, 3)), (y.DType, y.Shape));
        Assert.Equal(bits, y.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Float64_round_trips_bit_for_bit_including_NaN_payloads_negative_zero_and_subnormals()
    {
        long[] bits =
        [
            0x7FF8DEADBEEF0001, unchecked((long)0xFFF0000000000001), // NaN payloads, quiet and signaling
            unchecked((long)0x8000000000000000), 0x0000000000000001, 0x000FFFFFFFFFFFFF, // -0, subnormals
            0x7FF0000000000000, 0x7FEFFFFFFFFFFFFF, 0x3FB999999999999A, // +inf, double.MaxValue, 0.1
        ];
        Tensor x = Tensor.FromArray(bits.Select(BitConverter.Int64BitsToDouble).ToArray(), [2, 4]);

        Tensor y = RoundTrip(x);

        Assert.Equal((DType.Float64, new Shape(2, 4)), (y.DType, y.Shape));
        Assert.Equal(bits, y.ToDoubleArray().Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Scalars_and_empty_tensors_round_trip_in_the_given_order()
    {
        using var dir = new TempDirectory();
        string path = dir.File("shapes.safetensors");
        KeyValuePair<string, Tensor>[] tensors =
        [
            new("z.last.first", Tensor.Scalar(2.5)),
            new("empty", Tensor.Zeros([0], DType.Float64)),
            new("also-empty", Tensor.Zeros([2, 0, 3])),
            new("a", Tensor.Arange(6, DType.Float64).Reshape(1, 2, 3)),
            new("scalar64", Tensor.Scalar(-7, DType.Float64)),
        ];

        Safetensors.Save(path, tensors);
        SafetensorsFile loaded = Safetensors.Load(path);

        Assert.Equal(tensors.Select(t => t.Key), loaded.Tensors.Select(t => t.Key));
        foreach ((KeyValuePair<string, Tensor> saved, KeyValuePair<string, Tensor> read) in tensors.Zip(loaded.Tensors))
        {
            Assert.Equal((saved.Value.DType, saved.Value.Shape), (read.Value.DType, read.Value.Shape));
            Assert.Equal(saved.Value.ToDoubleArray(), read.Value.ToDoubleArray());
        }
    }

    [Fact]
    public void Non_contiguous_tensors_are_written_in_row_major_order()
    {
        Tensor matrix = Tensor.Arange(12).Reshape(3, 4);
        Tensor[] views =
        [
            matrix.Transpose(),                           // (4, 3), strides (1, 4)
            matrix.Slice(1, 0, 4, step: 2),               // (3, 2), every other column
            Tensor.Arange(3).Reshape(3, 1).BroadcastTo([3, 5]), // stride 0 along the last axis
        ];

        foreach (Tensor view in views)
        {
            Assert.False(view.IsContiguous);
            Tensor y = RoundTrip(view);
            Assert.Equal(view.Shape, y.Shape);
            Assert.Equal(view.Contiguous().ToArray(), y.ToArray());
        }
        Assert.Equal([0f, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], RoundTrip(matrix.Transpose()).ToArray());
    }

    [Fact]
    public void Metadata_round_trips_and_is_empty_when_absent()
    {
        using var dir = new TempDirectory();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "quotes \" backslash \\ newline \n tab \t unicode \u00e9\u4e2d \ud83d\ude00",
            [""] = "empty key",
        };

        Safetensors.Save(dir.File("a.safetensors"), [new("x", Tensor.Ones([2]))], metadata);
        Safetensors.Save(dir.File("b.safetensors"), [new("x", Tensor.Ones([2]))]);

        Assert.Equal(metadata, Safetensors.Load(dir.File("a.safetensors")).Metadata);
        Assert.Equal(metadata, Safetensors.ReadHeader(dir.File("a.safetensors")).Metadata);
        Assert.Empty(Safetensors.Load(dir.File("b.safetensors")).Metadata);
    }

    [Theory]
    [InlineData("w")]
    [InlineData("we")]
    [InlineData("wei")]
    [InlineData("weig")]
    [InlineData("weigh")]
    [InlineData("weight")]
    [InlineData("weights")]
    [InlineData("weights.")]
    public void The_header_is_padded_with_spaces_to_a_multiple_of_8_and_the_data_starts_right_after_it(string name)
    {
        using var dir = new TempDirectory();
        string path = dir.File("p.safetensors");
        Safetensors.Save(path, [new(name, Tensor.FromArray(1.5, -0.25)), new("b", Tensor.FromArray(3f))]);

        byte[] file = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, (int)n);

        Assert.Equal(0, n % 8);
        Assert.Equal(8 + n + 16 + 4, file.Length);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.Equal(8 + n, Safetensors.ReadHeader(path).DataStart);
        Assert.Equal(1.5, BinaryPrimitives.ReadDoubleLittleEndian(file.AsSpan((int)(8 + n))));
        Assert.Equal(-0.25, BinaryPrimitives.ReadDoubleLittleEndian(file.AsSpan((int)(8 + n + 8))));
        Assert.Equal(3f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)(8 + n + 16))));
    }

    [Fact]
    public void ReadHeader_describes_any_dtype_while_Load_rejects_unsigned_wide_ones_naming_tensor_and_dtype()
    {
        using var dir = new TempDirectory();
        string path = dir.File("ints.safetensors");
        WriteFile(path, """{"ok":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"ids":{"dtype":"U64","shape":[2],"data_offsets":[4,20]}}""", dataLength: 20);

        SafetensorsHeader header = Safetensors.ReadHeader(path);
        var error = Assert.Throws<NotSupportedException>(() => Safetensors.Load(path));

        Assert.Equal(
            [new SafetensorsTensorInfo("ok", "F32", new Shape(1), 0, 4), new SafetensorsTensorInfo("ids", "U64", new Shape(2), 4, 20)],
            header.Tensors);
        Assert.Contains(path, error.Message);
        Assert.Contains($"byte {header.DataStart + 4}", error.Message);
        Assert.Contains("tensor 'ids' has dtype U64; ChainRule has no unsigned 64-bit type", error.Message);
        foreach ((string type, int bytes) in new[] { ("U16", 2), ("U32", 4) })
        {
            WriteFile(path, "{\"ids\":{\"dtype\":\"" + type + "\",\"shape\":[2],\"data_offsets\":[0," + (2 * bytes) + "]}}", dataLength: 2 * bytes);
            Assert.Contains($"tensor 'ids' has dtype {type}", Assert.Throws<NotSupportedException>(() => Safetensors.Load(path)).Message);
        }
    }

    [Fact]
    public void Integer_bool_and_byte_tensors_keep_their_dtype_and_bytes_through_save_and_load()
    {
        using var dir = new TempDirectory();
        string path = dir.File("typed.safetensors");
        Tensor i64 = Tensor.FromArray(long.MinValue, -1L, 0L, long.MaxValue);
        Tensor i32 = Tensor.FromArray(new[] { int.MinValue, -2, 7, int.MaxValue, 0, 1 }, [2, 3]);
        Tensor mask = Tensor.FromArray(true, false, true);
        Tensor pixels = Tensor.FromArray((byte)0, (byte)128, (byte)255);
        Safetensors.Save(path, [new("i64", i64), new("i32", i32), new("mask", mask), new("pixels", pixels), new("num_batches_tracked", Tensor.Scalar(5, DType.Int64))]);

        SafetensorsHeader header = Safetensors.ReadHeader(path);
        Assert.Equal(["I64", "I32", "BOOL", "U8", "I64"], header.Tensors.Select(t => t.DType));
        byte[] file = File.ReadAllBytes(path);
        int data = (int)header.DataStart;
        Assert.Equal(long.MinValue, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(data)));        // little-endian, as the spec says
        Assert.Equal(int.MaxValue, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(data + 32 + 12)));
        Assert.Equal([1, 0, 1], file[(data + 32 + 24)..(data + 32 + 27)]);                          // BOOL: one byte, 0 or 1
        Assert.Equal([0, 128, 255], file[(data + 59)..(data + 62)]);

        var loaded = Safetensors.Load(path).Tensors.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(DType.Int64, loaded["i64"].DType);
        Assert.Equal(i64.ToArray<long>(), loaded["i64"].ToArray<long>());
        Assert.Equal(i32.ToArray<int>(), loaded["i32"].ToArray<int>());
        Assert.Equal(new Shape(2, 3), loaded["i32"].Shape);
        Assert.Equal([true, false, true], loaded["mask"].ToArray<bool>());
        Assert.Equal(pixels.ToArray<byte>(), loaded["pixels"].ToArray<byte>());
        Assert.Equal(5L, loaded["num_batches_tracked"].Item<long>());
    }

    [Fact]
    public void Load_widens_I8_and_I16_to_int32_and_reads_any_non_zero_BOOL_byte_as_true()
    {
        using var dir = new TempDirectory();
        string path = dir.File("narrow.safetensors");
        WriteFile(path, """{"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"I16","shape":[2],"data_offsets":[2,6]},"c":{"dtype":"BOOL","shape":[3],"data_offsets":[6,9]}}""",
            data: [0x80, 0x7F, 0x00, 0x80, 0xFF, 0x7F, 0, 1, 7]);
        var loaded = Safetensors.Load(path).Tensors.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(DType.Int32, loaded["a"].DType);
        Assert.Equal([-128, 127], loaded["a"].ToArray<int>());
        Assert.Equal([short.MinValue, short.MaxValue], loaded["b"].ToArray<int>());
        Assert.Equal([false, true, true], loaded["c"].ToArray<bool>());
        Assert.Equal("I8", Safetensors.Load(path).Header.Tensors[0].DType); // the header keeps the stored type
    }

    [Fact]
    public void Load_returns_tensors_in_the_order_of_their_data_not_of_the_header()
    {
        using var dir = new TempDirectory();
        string path = dir.File("order.safetensors");
        WriteFile(path, """{"second":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]);

        SafetensorsFile loaded = Safetensors.Load(path);

        Assert.Equal(["first", "second"], loaded.Tensors.Select(t => t.Key));
        Assert.Equal([1f, 2f], loaded.Tensors.Select(t => t.Value.ToArray()[0]));
        var missing = Assert.Throws<KeyNotFoundException>(() => loaded["third"]);
        Assert.Contains("'third'", missing.Message);
        Assert.Contains("'first', 'second'", missing.Message);
    }

    [Fact]
    public void Save_rejects_empty_repeated_or_reserved_names_and_null_tensors_without_touching_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllText(path, "old");
        Tensor x = Tensor.Ones([2]);

        var empty = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [new("a", x), new("", x)]));
        var repeated = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [new("a", x), new("b", x), new("a", x)]));
        var reserved = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [new("__metadata__", x)]));
        var missing = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [new("a", null!)]));
        var nullValue = Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(path, [new("a", x)], new Dictionary<string, string> { ["k"] = null! }));

        Assert.Contains("tensor 1 has an empty name", empty.Message);
        Assert.Contains("tensors 0 and 2 are both named 'a'", repeated.Message);
        Assert.Contains("'__metadata__'", reserved.Message);
        Assert.Contains("'a'", missing.Message);
        Assert.Contains("'k'", nullValue.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["bad.safetensors"], dir.Files());
    }

    private static Tensor RoundTrip(Tensor x)
    {
        using var dir = new TempDirectory();
        string path = dir.File("x.safetensors");
        Safetensors.Save(path, [new("x", x)]);
        return Safetensors.Load(path)["x"];
    }

    /// <summary>A file by hand: length, header JSON (unpadded, which readers accept), then the data bytes (zeros by default).</summary>
    internal static void WriteFile(string path, string json, int dataLength = 0, byte[]? data = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + header.Length + (data?.Length ?? dataLength)];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data?.CopyTo(file, 8 + header.Length);
        File.WriteAllBytes(path, file);
    }
}

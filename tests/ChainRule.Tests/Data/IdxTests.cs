using System.IO.Compression;
using ChainRule.Data;

namespace ChainRule.Tests.Data;

// IDX reading and writing. The oracle for the format is hand-written bytes (the layout in Idx.cs's header,
// from LeCun's MNIST page); round trips then cover every type, raw and gzip.
public class IdxTests
{
    // A (2, 3) uint8 file: 00 00 08 02, dims 2 and 3, then the 6 values.
    private static readonly byte[] s_uint8Matrix = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255];

    // A (3) uint8 file: header 8 bytes, payload 3 bytes, 11 bytes in all.
    private static readonly byte[] s_uint8Vector = [0, 0, 0x08, 1, 0, 0, 0, 3, 10, 20, 30];

    [Fact]
    public void Idx_Read_ParsesHandWrittenBytes()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.idx"), s_uint8Matrix);

        Tensor t = Idx.Read(dir.File("m.idx"));

        Assert.Equal(new Shape(2, 3), t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal([1f, 2, 3, 4, 5, 255], t.ToArray());
    }

    [Fact]
    public void Idx_Read_DecodesBigEndianSignedAndFloatTypes()
    {
        using var dir = new TempDirectory();
        // int16 (2): 0x0102 = 258 and 0xFFFE = -2; int8 (2): 0xFF = -1, 0x7F = 127;
        // float32 (1): 0x3FC00000 = 1.5; float64 (1): 0xC004000000000000 = -2.5.
        File.WriteAllBytes(dir.File("i16"), [0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]);
        File.WriteAllBytes(dir.File("i8"), [0, 0, 0x09, 1, 0, 0, 0, 2, 0xFF, 0x7F]);
        File.WriteAllBytes(dir.File("f32"), [0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0]);
        File.WriteAllBytes(dir.File("f64"), [0, 0, 0x0E, 1, 0, 0, 0, 1, 0xC0, 0x04, 0, 0, 0, 0, 0, 0]);

        Assert.Equal([258f, -2f], Idx.Read(dir.File("i16")).ToArray());
        Assert.Equal([-1f, 127f], Idx.Read(dir.File("i8")).ToArray());
        Assert.Equal([1.5f], Idx.Read(dir.File("f32")).ToArray());
        Tensor f64 = Idx.Read(dir.File("f64"));
        Assert.Equal(DType.Float64, f64.DType);
        Assert.Equal([-2.5], f64.ToDoubleArray());
    }

    [Fact]
    public void Idx_Write_ProducesTheHandWrittenBytes()
    {
        using var dir = new TempDirectory();
        Idx.Write(dir.File("m.idx"), Tensor.FromArray([1f, 2, 3, 4, 5, 255], [2, 3]), IdxType.UInt8);

        Assert.Equal(s_uint8Matrix, File.ReadAllBytes(dir.File("m.idx")));
        Assert.Equal(["m.idx"], Directory.GetFiles(dir.Path).Select(Path.GetFileName)); // no temp file left behind
    }

    public static TheoryData<IdxType, double[], string> RoundTrips => new()
    {
        { IdxType.UInt8, [0, 1, 128, 255], "u8.idx" },
        { IdxType.UInt8, [0, 1, 128, 255], "u8.idx.gz" },
        { IdxType.Int8, [-128, -1, 0, 127], "i8.idx.gz" },
        { IdxType.Int16, [-32768, -2, 258, 32767], "i16.idx" },
        { IdxType.Int32, [-16777216, -3, 70000, 16777216], "i32.idx.gz" },
        { IdxType.Float32, [1.5, -0.25, 3.4e38, 1e-30], "f32.idx" },
        { IdxType.Float32, [1.5, -0.25, 3.4e38, 1e-30], "f32.idx.gz" },
        { IdxType.Float64, [0.1, -1e300, 2.5, 1e-300], "f64.idx.gz" },
    };

    [Theory, MemberData(nameof(RoundTrips))]
    public void Idx_WriteThenRead_RoundTrips(IdxType type, double[] values, string fileName)
    {
        using var dir = new TempDirectory();
        DType dtype = type == IdxType.Float64 ? DType.Float64 : DType.Float32;
        Tensor original = Tensor.FromArray(values, [2, 1, 2]).To(dtype);

        Idx.Write(dir.File(fileName), original, type);
        Tensor read = Idx.Read(dir.File(fileName));

        Assert.Equal(new Shape(2, 1, 2), read.Shape);
        Assert.Equal(dtype, read.DType);
        Assert.Equal(original.ToDoubleArray(), read.ToDoubleArray());
        bool gzip = File.ReadAllBytes(dir.File(fileName))[..2] is [0x1F, 0x8B];
        Assert.Equal(fileName.EndsWith(".gz", StringComparison.Ordinal), gzip);
    }

    [Fact]
    public void Idx_Write_OverwritesAnExistingFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("v.idx");
        Idx.Write(path, Tensor.FromArray(1f, 2f, 3f), IdxType.UInt8);
        Idx.Write(path, Tensor.FromArray(9f), IdxType.UInt8);

        Assert.Equal([9f], Idx.Read(path).ToArray());
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Idx_Read_DetectsGzipByContentNotByName()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("compressed.bin"), Gzip(s_uint8Vector));
        File.WriteAllBytes(dir.File("raw.gz"), s_uint8Vector);

        Assert.Equal([10f, 20, 30], Idx.Read(dir.File("compressed.bin")).ToArray());
        Assert.Equal([10f, 20, 30], Idx.Read(dir.File("raw.gz")).ToArray());
    }

    [Fact]
    public void Idx_Read_AcceptsAStreamThatCannotSeek()
    {
        // A GZipStream cannot seek: decompressing gzip(gzip(idx)) hands the reader the inner .gz bytes as such a stream.
        using var outer = new GZipStream(new MemoryStream(Gzip(Gzip(s_uint8Vector))), CompressionMode.Decompress);
        Assert.False(outer.CanSeek);

        Assert.Equal([10f, 20, 30], Idx.Read(outer, "inner.gz").ToArray());
    }

    [Fact]
    public void Idx_Read_ThrowsFileNotFound_NamingThePath()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent-idx3-ubyte");

        var e = Assert.Throws<FileNotFoundException>(() => Idx.Read(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idx_Read_ThrowsForTruncatedFile_NamingFileAndOffset()
    {
        AssertFormatError(s_uint8Vector[..10], gzip: false, "byte 10", "truncated", "needs 11 bytes (8 header + 3 payload), the data has 10");
        AssertFormatError(s_uint8Vector[..10], gzip: true, "byte 10 (decompressed offset)", "truncated");
        AssertFormatError(s_uint8Vector[..3], gzip: false, "byte 3", "inside the 4-byte IDX magic");
        AssertFormatError(s_uint8Matrix[..9], gzip: false, "byte 9", "inside the dimensions");
        // A raw file's header promising 2e9 elements is caught from the file length, before any allocation.
        AssertFormatError([0, 0, 0x08, 1, 0x77, 0x35, 0x94, 0x00], gzip: false, "byte 8", "needs 2000000008 bytes");
    }

    [Fact]
    public void Idx_Read_ThrowsForBadMagic_NamingFileAndOffset()
    {
        AssertFormatError([1, 0, .. s_uint8Vector[2..]], gzip: false, "byte 0", "bad magic 0x01000801");
        AssertFormatError([0, 7, .. s_uint8Vector[2..]], gzip: true, "byte 1 (decompressed offset)", "bad magic");
    }

    [Fact]
    public void Idx_Read_ThrowsForUnknownTypeCode_NamingFileAndOffset()
    {
        AssertFormatError([0, 0, 0x07, .. s_uint8Vector[3..]], gzip: false, "byte 2", "unknown IDX type code 0x07");
        AssertFormatError([0, 0, 0x07, .. s_uint8Vector[3..]], gzip: true, "byte 2 (decompressed offset)", "unknown IDX type code 0x07");
    }

    [Fact]
    public void Idx_Read_ThrowsForWrongRank_NamingFileAndOffset()
    {
        AssertFormatError([0, 0, 0x08, 0], gzip: false, "byte 3", "rank 0");
        AssertFormatError(s_uint8Vector, gzip: true, "byte 3 (decompressed offset)", "rank 1, expected 3", rank: 3);
        AssertFormatError(s_uint8Vector, gzip: false, "byte 2", "element type UInt8 (0x08), expected Float32 (0x0D)", type: IdxType.Float32);
    }

    [Fact]
    public void Idx_Read_ThrowsForNegativeDimension_NamingFileAndOffset()
    {
        byte[] bytes = [.. s_uint8Matrix];
        bytes[8] = 0xFF; // dimension 1 becomes 0xFF000003, negative
        AssertFormatError(bytes, gzip: false, "byte 8", "dimension 1 is -16777213");
    }

    [Fact]
    public void Idx_Read_ThrowsForTrailingGarbage_NamingFileAndOffset()
    {
        AssertFormatError([.. s_uint8Vector, 0xAB, 0xCD], gzip: false, "byte 11", "2 unexpected bytes after the payload");
        AssertFormatError([.. s_uint8Vector, 0xAB], gzip: true, "byte 11 (decompressed offset)", "1 unexpected bytes");
    }

    [Theory]
    [InlineData(0x08, 1_000_000_000)] // uint8 [1e9]: 1 GB claimed
    [InlineData(0x0E, 100_000_000)]   // float64 [1e8]: 763 MiB claimed
    public void Idx_Read_OfATinyGzipClaimingAHugeShape_IsTruncatedWithoutAllocatingTheClaim(byte type, int claimed)
    {
        byte[] idx = [0, 0, type, 1, (byte)(claimed >> 24), (byte)(claimed >> 16), (byte)(claimed >> 8), (byte)claimed, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        using var dir = new TempDirectory();
        string path = dir.File("claim.gz");
        File.WriteAllBytes(path, Gzip(idx));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("truncated", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(allocated < 64L << 20, $"{allocated:N0} bytes allocated for a {idx.Length}-byte payload");
    }

    [Fact]
    public void Idx_Read_ThrowsForTruncatedGzip_NamingFileAndDecompressedOffset()
    {
        // 4,000 bytes of payload compress to far fewer; cutting the .gz in half loses the end of the data.
        byte[] idx = [0, 0, 0x08, 1, 0, 0, 0x0F, 0xA0, .. Enumerable.Range(0, 4000).Select(i => (byte)(i * 7919 % 251))];
        byte[] gz = Gzip(idx);
        using var dir = new TempDirectory();
        string path = dir.File("cut.gz");
        File.WriteAllBytes(path, gz[..(gz.Length / 2)]);

        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path));

        Assert.StartsWith($"{path}: byte ", e.Message, StringComparison.Ordinal);
        Assert.Contains("(decompressed offset)", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.FileName);
    }

    [Fact]
    public void Idx_Write_ThrowsForValuesTheTypeCannotHold()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => Idx.Write(dir.File("x"), Tensor.FromArray(1f, 256f), IdxType.UInt8));
        Assert.Contains("element 1 is 256", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Idx.Write(dir.File("x"), Tensor.FromArray(0.5f), IdxType.Int16));
        Assert.Throws<ArgumentException>(() => Idx.Write(dir.File("x"), Tensor.Scalar(1), IdxType.UInt8));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    // Writes content (gzip-compressed if asked) to a temp file and checks the whole error: "{path}: {location}: ..." and a key phrase.
    private static void AssertFormatError(byte[] content, bool gzip, string location, string problem, string? detail = null,
        int? rank = null, IdxType? type = null)
    {
        using var dir = new TempDirectory();
        string path = dir.File(gzip ? "bad-idx1-ubyte.gz" : "bad-idx1-ubyte");
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);

        var e = Assert.Throws<DataFormatException>(() => Idx.Read(path, rank, type));

        Assert.StartsWith($"{path}: {location}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Contains(detail ?? problem, e.Message, StringComparison.Ordinal);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }
        return buffer.ToArray();
    }
}

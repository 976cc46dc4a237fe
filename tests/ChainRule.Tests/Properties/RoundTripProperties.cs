using System.Buffers.Binary;
using ChainRule.Data;
using ChainRule.IO;
using CsCheck;

namespace ChainRule.Tests.Properties;

// Files written and read back: safetensors Save -> Load for every dtype (any bit pattern: NaN payloads,
// -0, subnormals), random shapes with 0-d tensors and zero-size dimensions, random layouts, names and
// metadata with quotes, backslashes, control characters and non-ASCII text; IDX Write -> Read for every
// element type, raw and gzip. Also the writers' documented refusals.
public class RoundTripProperties
{
    // Pieces of names and metadata: JSON escapes, control characters, 2- to 4-byte UTF-8.
    private static readonly string[] s_atoms = ["a", "Z", "0", ".", "_", "/", " ", "\"", "\\", "\n", "\u0001", "é", "中", "😀"];

    private static readonly Gen<string> s_text = Gen.OneOf(s_atoms).Array[0, 6].Select(string.Concat);

    private static readonly Gen<string> s_name = Gen.OneOf(s_atoms).Array[1, 6].Select(string.Concat); // names are never empty

    private static readonly Gen<Entry> s_entry =
        from name in s_name
        from shape in Gens.Shape(4, 0, 4)
        from dtype in Gen.OneOf(DTypes.All.ToArray())
        from values in BitsOf(dtype, Naive.Size(shape))
        from layout in Gens.LayoutOf(shape.Length)
        select new Entry(name, dtype, shape, values, layout);

    private static readonly Gen<Entry[]> s_entries = s_entry.Array[0, 5].Select(Unique);

    private static readonly Gen<Dictionary<string, string>> s_metadata =
        Gen.Select(s_text, s_text).Array[0, 3].Select(pairs =>
        {
            var metadata = new Dictionary<string, string>();
            foreach ((string key, string value) in pairs)
            {
                metadata[key] = value;
            }
            return metadata;
        });

    [Fact]
    public void Safetensors_Save_then_Load_gives_back_every_tensor_bit_for_bit_and_the_metadata()
    {
        Gen.Select(s_entries, s_metadata).Sample((entries, metadata) =>
        {
            using var dir = new TempDirectory();
            string path = dir.File("t.safetensors");

            Safetensors.Save(path, [.. entries.Select(e => new KeyValuePair<string, Tensor>(e.Name, e.Build()))], metadata);
            SafetensorsFile file = Safetensors.Load(path);

            Assert.Equal(entries.Length, file.Tensors.Count);
            for (int i = 0; i < entries.Length; i++)
            {
                (string name, Tensor t) = file.Tensors[i];
                Assert.Equal(entries[i].Name, name);
                Assert.Equal(entries[i].DType, t.DType);
                Assert.Equal(entries[i].Shape, t.Shape.ToArray());
                Assert.Equal(Bits(entries[i].Values), Bits(t));
                Assert.Equal(FileType(entries[i].DType), file.Header.Tensors[i].DType);
                Assert.Same(t, file[name]);
            }
            Assert.Equal(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), file.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));

            // The layout: 8 bytes of header length N (a multiple of 8), N bytes of header, then the data, nothing more.
            byte[] bytes = File.ReadAllBytes(path);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0UL, n % 8);
            Assert.Equal(8 + (long)n + entries.Sum(e => (long)e.Values.Length * e.DType.ElementSize()), bytes.Length);
        }, iter: 200);
    }

    [Fact]
    public void Safetensors_Save_refuses_repeated_reserved_and_empty_names_and_writes_nothing()
    {
        Gen<(Entry[], int, int)> gen =
            from entries in s_entries.Where(e => e.Length > 0)
            from kind in Gen.Int[0, 2]
            from copied in Gen.Int[0, entries.Length - 1]
            select (entries, kind, copied);

        gen.Sample((entries, kind, copied) =>
        {
            using var dir = new TempDirectory();
            string path = dir.File("t.safetensors");
            // Append a tensor named like entry `copied`, "__metadata__" or "".
            string name = kind switch { 0 => entries[copied].Name, 1 => "__metadata__", _ => "" };
            KeyValuePair<string, Tensor>[] tensors = [.. entries.Select(e => new KeyValuePair<string, Tensor>(e.Name, e.Build())), new(name, Tensor.Zeros([2]))];

            var e = Assert.Throws<ArgumentException>(() => Safetensors.Save(path, tensors));
            string expected = kind switch
            {
                0 => $"tensors {copied} and {entries.Length} are both named '{name}'",
                1 => $"tensor {entries.Length} is named '__metadata__'",
                _ => $"tensor {entries.Length} has an empty name",
            };
            Assert.Contains(expected, e.Message);
            Assert.Empty(dir.Files());
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Idx_Write_then_Read_gives_back_the_values_for_every_type_raw_and_gzip()
    {
        Gen<(IdxType, Input, bool)> gen =
            from type in Gen.OneOf(Enum.GetValues<IdxType>())
            from shape in Gens.Shape(3, 0, 5).Select(s => (int[])[Math.Min(s.Length, 5), .. s])
            from dtype in Gen.OneOf(WritableAs(type))
            from x in Gens.InputOf(shape, dtype, IdxValueOf(type))
            from gzip in Gen.Bool
            select (type, x, gzip);

        gen.Sample((type, x, gzip) =>
        {
            using var dir = new TempDirectory();
            string path = dir.File(gzip ? "t.idx.gz" : "t.idx");

            Idx.Write(path, x.Build(), type);
            Tensor t = Idx.Read(path, x.Shape.Length, type);

            // Stored as given; read back unscaled as float32 (int32 beyond 2^24 rounded), or float64 for 0x0E.
            bool float64 = type == IdxType.Float64;
            Assert.Equal(x.Shape, t.Shape.ToArray());
            Assert.Equal(float64 ? DType.Float64 : DType.Float32, t.DType);
            Assert.Equal([.. x.Values.Select(v => float64 ? v : (float)v)], t.ToDoubleArray(), new Tolerance(0));
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(gzip, bytes is [0x1F, 0x8B, ..]);
            if (!gzip)
            {
                Assert.Equal([0, 0, (byte)type, (byte)x.Shape.Length], bytes[..4]);
                Assert.Equal(4 + (4 * x.Shape.Length) + (x.Values.Length * Idx.ElementSize(type)), bytes.Length);
            }
        }, iter: 200);
    }

    [Fact]
    public void Idx_Write_refuses_values_an_integer_type_cannot_hold_and_rank_0_naming_the_element()
    {
        Gen<(IdxType, Input, int, double)> gen =
            from type in Gen.OneOf(IdxType.UInt8, IdxType.Int8, IdxType.Int16, IdxType.Int32)
            from shape in Gens.Shape(3, 1, 4).Where(s => s.Length > 0)
            from x in Gens.InputOf(shape, DType.Float64, IdxValueOf(type))
            from at in Gen.Int[0, x.Values.Length - 1]
            from bad in Gen.OneOf(Range(type).Max + 1, Range(type).Min - 1, 0.5, -2.25, double.NaN, double.PositiveInfinity)
            select (type, x, at, bad);

        gen.Sample((type, x, at, bad) =>
        {
            using var dir = new TempDirectory();
            string path = dir.File("t.idx");
            double[] values = (double[])x.Values.Clone();
            values[at] = bad;

            var e = Assert.Throws<ArgumentException>(() => Idx.Write(path, (x with { Values = values }).Build(), type));
            Assert.Contains($"element {at} is {bad}; IDX type {type} holds integers", e.Message);
            var scalar = Assert.Throws<ArgumentException>(() => Idx.Write(path, Tensor.Scalar(1, DType.Float64), type));
            Assert.Contains("IDX holds rank 1 to 255; the tensor has shape ()", scalar.Message);
            Assert.Empty(dir.Files());
        }, iter: Gens.Iterations);
    }

    // Arbitrary bit patterns, as a typed array of the dtype's storage type.
    private static Gen<Array> BitsOf(DType dtype, int count) => dtype switch
    {
        DType.Float32 => Gen.Int.Select(BitConverter.Int32BitsToSingle).Array[count].Select(a => (Array)a),
        DType.Float64 => Gen.Long.Select(BitConverter.Int64BitsToDouble).Array[count].Select(a => (Array)a),
        DType.Int32 => Gen.Int.Array[count].Select(a => (Array)a),
        DType.Int64 => Gen.Long.Array[count].Select(a => (Array)a),
        DType.Bool => Gen.Bool.Array[count].Select(a => (Array)a),
        _ => Gen.Byte.Array[count].Select(a => (Array)a),
    };

    // Each element's bits, widened to long, so that NaN payloads and -0 count.
    private static long[] Bits(Array values) => values switch
    {
        float[] f => [.. f.Select(v => (long)BitConverter.SingleToInt32Bits(v))],
        double[] d => [.. d.Select(BitConverter.DoubleToInt64Bits)],
        int[] i => [.. i.Select(v => (long)v)],
        long[] l => l,
        bool[] b => [.. b.Select(v => v ? 1L : 0L)],
        byte[] u => [.. u.Select(v => (long)v)],
        _ => throw new NotSupportedException(values.GetType().Name),
    };

    private static long[] Bits(Tensor t) => t.DType switch
    {
        DType.Float32 => Bits(t.ToArray<float>()),
        DType.Float64 => Bits(t.ToArray<double>()),
        DType.Int32 => Bits(t.ToArray<int>()),
        DType.Int64 => Bits(t.ToArray<long>()),
        DType.Bool => Bits(t.ToArray<bool>()),
        _ => Bits(t.ToArray<byte>()),
    };

    // The format's names of the six dtypes (huggingface/safetensors README).
    private static string FileType(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => "U8",
    };

    // Names made unique by appending their position to a repeat.
    private static Entry[] Unique(Entry[] entries)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. entries.Select((e, i) => seen.Add(e.Name) ? e : e with { Name = $"{e.Name}#{i}" })];
    }

    private static (double Min, double Max) Range(IdxType type) => type switch
    {
        IdxType.UInt8 => (0, 255),
        IdxType.Int8 => (-128, 127),
        IdxType.Int16 => (-32768, 32767),
        _ => (int.MinValue, int.MaxValue),
    };

    // Anything the type stores: integers over its whole range, or float bit patterns (NaN, infinities, subnormals).
    private static Gen<double> IdxValueOf(IdxType type) => type switch
    {
        IdxType.Float32 => Gen.Int.Select(bits => (double)BitConverter.Int32BitsToSingle(bits)),
        IdxType.Float64 => Gen.Long.Select(BitConverter.Int64BitsToDouble),
        _ => Gen.Long[(long)Range(type).Min, (long)Range(type).Max].Select(v => (double)v),
    };

    // Tensor dtypes that hold every value of the type exactly.
    private static DType[] WritableAs(IdxType type) => type switch
    {
        IdxType.UInt8 => [DType.UInt8, DType.Int32, DType.Int64, DType.Float32, DType.Float64],
        IdxType.Int8 or IdxType.Int16 => [DType.Int32, DType.Int64, DType.Float32, DType.Float64],
        IdxType.Int32 => [DType.Int32, DType.Int64, DType.Float64],
        IdxType.Float32 => [DType.Float32, DType.Float64],
        _ => [DType.Float64],
    };

    private sealed record Entry(string Name, DType DType, int[] Shape, Array Values, Layout Layout)
    {
        public Tensor Build() => Values switch
        {
            float[] f => Layout.Build(f, Shape, float.NaN),
            double[] d => Layout.Build(d, Shape, double.NaN),
            int[] i => Layout.Build(i, Shape, 0x5A5A5A5A),
            long[] l => Layout.Build(l, Shape, 0x5A5A5A5A5A5AL),
            bool[] b => Layout.Build(b, Shape, true),
            byte[] u => Layout.Build(u, Shape, (byte)0xA5),
            _ => throw new NotSupportedException(Values.GetType().Name),
        };

        public override string ToString() => $"'{Name}' {DType.Name()} {Naive.Format(Shape)} {Layout}";
    }
}

using CsCheck;

namespace ChainRule.Tests.Properties;

/// <summary>
/// One input tensor of a property as plain data: its dtype, shape, values (row-major, as doubles that the
/// dtype holds exactly) and memory layout. The tensor itself is built inside the property, so a failure
/// prints (and CsCheck shrinks) the data, not a tensor.
/// </summary>
internal sealed record Input(DType DType, int[] Shape, double[] Values, Layout Layout)
{
    /// <summary>The value in the elements a view skips: NaN for floats, a pattern for integers, true for bools.</summary>
    public double Garbage => DType switch
    {
        DType.Float32 or DType.Float64 => double.NaN,
        DType.Int32 or DType.Int64 => 0x5A5A5A5A,
        DType.Bool => 1,
        _ => 0xA5,
    };

    public Tensor Build() => Build(out _);

    /// <summary>The view, and the contiguous tensor it looks into (garbage included).</summary>
    public Tensor Build(out Tensor buffer) => DType switch
    {
        DType.Float32 => Layout.Build([.. Values.Select(v => (float)v)], Shape, (float)Garbage, out buffer),
        DType.Float64 => Layout.Build(Values, Shape, Garbage, out buffer),
        DType.Int32 => Layout.Build([.. Values.Select(v => (int)v)], Shape, (int)Garbage, out buffer),
        DType.Int64 => Layout.Build([.. Values.Select(v => (long)v)], Shape, (long)Garbage, out buffer),
        DType.Bool => Layout.Build([.. Values.Select(v => v != 0)], Shape, true, out buffer),
        _ => Layout.Build([.. Values.Select(v => (byte)v)], Shape, (byte)Garbage, out buffer),
    };

    public override string ToString() => $"{DType.Name()} {Naive.Format(Shape)} [{string.Join(", ", Values)}] {Layout}";
}

/// <summary>The generators the properties share: shapes, layouts, values and inputs.</summary>
internal static class Gens
{
    /// <summary>Iterations of each property: a few hundred, so the whole folder runs in seconds.</summary>
    public const long Iterations = 300;

    /// <summary>Rank 0 to <paramref name="maxRank"/>, each dimension in [minDim, maxDim].</summary>
    public static Gen<int[]> Shape(int maxRank, int minDim, int maxDim) =>
        Gen.Int[0, maxRank].SelectMany(rank => Gen.Int[minDim, maxDim].Array[rank]);

    /// <summary>Contiguous a quarter of the time, else a random axis order with random steps and starts.</summary>
    public static Gen<Layout> LayoutOf(int rank) => Gen.Frequency(
        (1, Gen.Const(Layout.Contiguous(rank))),
        (3, from keys in Gen.Int[0, 99].Array[rank]
            from step in Gen.Int[1, 2].Array[rank]
            from start in Gen.Int[0, 1].Array[rank]
            select new Layout(Permutation(keys), step, start)));

    /// <summary>Values of moderate size that the dtype holds exactly, so that a naive double computation matches.</summary>
    public static Gen<double> ValueOf(DType dtype) => dtype switch
    {
        DType.Float32 => Gen.Float[-8, 8].Select(f => (double)f),
        DType.Float64 => Gen.Double[-8, 8],
        DType.Int32 or DType.Int64 => Gen.Int[-50, 50].Select(i => (double)i),
        DType.UInt8 => Gen.Int[0, 20].Select(i => (double)i),
        _ => Gen.Bool.Select(b => b ? 1.0 : 0.0),
    };

    /// <summary>Few distinct values, so ties (argmax, max, equal) are common.</summary>
    public static Gen<double> TiedValueOf(DType dtype) => dtype switch
    {
        DType.Bool => Gen.Bool.Select(b => b ? 1.0 : 0.0),
        DType.UInt8 => Gen.Int[0, 3].Select(i => (double)i),
        _ => Gen.Int[-3, 3].Select(i => (double)i),
    };

    public static Gen<Input> InputOf(int[] shape, DType dtype, Gen<double> values) =>
        from v in values.Array[Naive.Size(shape)]
        from layout in LayoutOf(shape.Length)
        select new Input(dtype, shape, v, layout);

    /// <summary>An input of <paramref name="shape"/> with ordinary values half the time and tied ones the other half.</summary>
    public static Gen<Input> InputOf(int[] shape, DType dtype) =>
        Gen.Bool.SelectMany(tied => InputOf(shape, dtype, tied ? TiedValueOf(dtype) : ValueOf(dtype)));

    /// <summary>
    /// Two shapes that broadcast: a result shape of rank 0-5 with dimensions 1-5, from which each operand
    /// drops some leading axes and sets some dimensions to 1.
    /// </summary>
    public static Gen<(int[] A, int[] B)> BroadcastablePair { get; } =
        from result in Shape(5, 1, 5)
        from a in OperandOf(result)
        from b in OperandOf(result)
        select (a, b);

    /// <summary>Two shapes that do not broadcast: a broadcastable pair with one aligned axis set to two different sizes above 1.</summary>
    public static Gen<(int[] A, int[] B)> ClashingPair { get; } =
        from pair in BroadcastablePair.Where(p => p.A.Length > 0 && p.B.Length > 0)
        from axis in Gen.Int[1, Math.Min(pair.A.Length, pair.B.Length)]
        from da in Gen.Int[2, 5]
        from db in Gen.Int[2, 4]
        select (With(pair.A, ^axis, da), With(pair.B, ^axis, db >= da ? db + 1 : db));

    /// <summary>Indices 0..n-1 ordered by <paramref name="keys"/>: a random permutation.</summary>
    public static int[] Permutation(int[] keys) => [.. Enumerable.Range(0, keys.Length).OrderBy(i => keys[i])];

    /// <summary>A shape that broadcasts to <paramref name="result"/>: some leading axes dropped, some dimensions set to 1.</summary>
    public static Gen<int[]> OperandOf(int[] result) =>
        from drop in Gen.Int[0, result.Length]
        from kind in Gen.Int[0, 2].Array[result.Length]
        select result.Skip(drop).Select((d, i) => kind[drop + i] == 0 ? 1 : d).ToArray();

    private static int[] With(int[] shape, Index axis, int dim)
    {
        int[] copy = (int[])shape.Clone();
        copy[axis] = dim;
        return copy;
    }
}

using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

// The integer, comparison and conversion kernels against naive loops over their definitions, at lengths
// that hit every vector tail, for int, long and byte. CI runs this class a second time with hardware
// intrinsics off, so TensorPrimitives' scalar fallback is checked the same way.
public class IntegerKernelTests
{
    public static TheoryData<int> Lengths => [0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 65, 129];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Integer_ops_match_their_definitions_with_wrapping(int length)
    {
        Check<int>(length, seed: 1);
        Check<long>(length, seed: 2);
        Check<byte>(length, seed: 3);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Comparisons_and_select_match_a_loop(int length)
    {
        var g = new Generator(5);
        double[] a = [.. Enumerable.Range(0, length).Select(_ => Math.Round(g.NextDouble() * 6) - 3)];
        double[] b = [.. Enumerable.Range(0, length).Select(_ => Math.Round(g.NextDouble() * 6) - 3)];
        if (length > 2)
        {
            a[1] = double.NaN; // NaN compares unequal to everything
        }
        var d = new bool[length];
        Comparison.Run<LessOp, double>(a, b, d);
        Assert.Equal(a.Zip(b, (x, y) => x < y), d);
        Comparison.Run<EqualOp, double>(a, b, d);
        Assert.Equal(a.Zip(b, (x, y) => x == y), d);
        Comparison.Run<GreaterEqualOp, double>(a, 0.0, d);
        Assert.Equal(a.Select(x => x >= 0), d);
        long[] la = [.. a.Select(x => double.IsNaN(x) ? 0 : (long)x)], lb = [.. b.Select(x => (long)x)];
        Comparison.Run<NotEqualOp, long>(la, lb, d);
        Assert.Equal(la.Zip(lb, (x, y) => x != y), d);
        var picked = new long[length];
        Comparison.Select<long>(d, la, lb, picked);
        Assert.Equal(d.Select((c, i) => c ? la[i] : lb[i]), picked);
    }

    [Fact]
    public void Conversions_truncate_saturate_and_wrap_as_documented()
    {
        Tensor f = Tensor.FromArray(-2.7f, -0.5f, 0f, 0.5f, 2.7f, 3e9f, float.NaN);
        Assert.Equal([-2, 0, 0, 0, 2, int.MaxValue, 0], f.To(DType.Int32).ToArray<int>());  // toward zero, saturating, NaN 0
        Assert.Equal([0, 0, 0, 0, 2, 255, 0], f.To(DType.UInt8).ToArray<byte>());
        Assert.Equal([true, true, false, true, true, true, true], f.To(DType.Bool).ToArray<bool>()); // NaN is not zero
        Tensor wide = Tensor.FromArray(300L, -1L, 1L << 40);
        Assert.Equal([44, 255, 0], wide.To(DType.UInt8).ToArray<byte>());                     // the low bits, as C
        Assert.Equal([300, -1, 0], wide.To(DType.Int32).ToArray<int>());
        Assert.Equal([1.0, 0.0], Tensor.FromArray(true, false).To(DType.Float64).ToArray<double>());
    }

    private static void Check<T>(int length, ulong seed) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        var g = new Generator(seed);
        T[] x = [.. Enumerable.Range(0, length).Select(_ => Random<T>(g))];
        T[] y = [.. Enumerable.Range(0, length).Select(_ => Random<T>(g))];
        if (length > 0)
        {
            x[0] = T.MaxValue; // overflow on add and multiply
            y[0] = T.MaxValue;
        }
        T scalar = Random<T>(g);
        CheckOp<IntegerAddOp, T>(x, y, scalar, (a, b) => a + b);
        CheckOp<IntegerSubtractOp, T>(x, y, scalar, (a, b) => a - b);
        CheckOp<IntegerMultiplyOp, T>(x, y, scalar, (a, b) => a * b);
        CheckOp<IntegerMaximumOp, T>(x, y, scalar, T.Max);
        CheckOp<IntegerMinimumOp, T>(x, y, scalar, T.Min);
        CheckOp<BitwiseAndOp, T>(x, y, scalar, (a, b) => a & b);
        CheckOp<BitwiseOrOp, T>(x, y, scalar, (a, b) => a | b);
        CheckOp<BitwiseXorOp, T>(x, y, scalar, (a, b) => a ^ b);
        T[] nonZero = [.. y.Select(v => v == T.Zero ? T.One : v)];
        T divisor = scalar == T.Zero ? T.One : scalar;
        CheckOp<IntegerLoop<IntegerFloorDivideOp>, T>(x, nonZero, divisor, FloorDivide);
        CheckOp<IntegerLoop<IntegerRemainderOp>, T>(x, nonZero, divisor, (a, b) => a - (FloorDivide(a, b) * b));
    }

    private static void CheckOp<TOp, T>(T[] x, T[] y, T scalar, Func<T, T, T> definition)
        where TOp : IIntegerBinaryOp
        where T : unmanaged, IBinaryInteger<T>
    {
        var d = new T[x.Length];
        TOp.Invoke<T>(x, y, d);
        Assert.Equal(x.Zip(y, definition), d);
        TOp.Invoke<T>(x, scalar, d);
        Assert.Equal(x.Select(a => definition(a, scalar)), d);
        TOp.Invoke<T>(scalar, y, d);
        Assert.Equal(y.Select(b => definition(scalar, b)), d);
    }

    // floor(a / b) through BigInteger, so the reference does not share the kernel's sign logic; wrapped back to T.
    private static T FloorDivide<T>(T a, T b) where T : unmanaged, IBinaryInteger<T>
    {
        BigInteger q = BigInteger.DivRem(BigInteger.CreateTruncating(a), BigInteger.CreateTruncating(b), out BigInteger r);
        if (r != 0 && (r < 0) != (BigInteger.CreateTruncating(b) < 0))
        {
            q -= 1;
        }
        return T.CreateTruncating(q);
    }

    private static T Random<T>(Generator g) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T> =>
        T.CreateTruncating((long)((g.NextDouble() * 2 - 1) * long.MaxValue));
}

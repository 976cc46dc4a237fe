using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

// The custom SIMD ops against their own scalar fallback (the portable path users without AVX get),
// over lengths that hit every vector tail; and the broadcasting and reduction drivers against naive loops.
public class ElementwiseKernelTests
{
    public static TheoryData<int> Lengths => [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Vector_path_matches_the_scalar_definition(int length)
    {
        CheckBinary<LeakyReluOp>(length);
        CheckBinary<TanhGradOp>(length);
        CheckBinary<SigmoidGradOp>(length);
        CheckBinary<ReluGradOp>(length);
        CheckUnary<SignOp>(length);
    }

    [Fact]
    public void Scalar_definitions_give_the_documented_values()
    {
        float[] x = [-2, 0, 3, float.NaN, -0.5f];
        Assert.Equal([-1f, 0, 1, float.NaN, -1], x.Select(SignOp.Invoke));
        Assert.Equal([-0.2f, 0, 3, float.NaN, -0.05f], x.Select(v => LeakyReluOp.Invoke(v, 0.1f)));
        Assert.Equal([0f, 0, 5, 0, 0], x.Select(v => ReluGradOp.Invoke(5f, v)));
    }

    [Fact]
    public void Binary_driver_handles_strided_and_broadcast_rows()
    {
        // x is a transposed view (inner stride 4), y broadcasts along rows (inner stride 0) and columns.
        Tensor a = Tensor.Arange(12, DType.Float64).Reshape(3, 4).Transpose(); // (4, 3)
        Tensor b = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [4, 1]);
        Tensor c = Tensor.FromArray(100.0, 200.0, 300.0);
        Tensor sum = (a * b) + c;
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal((a[i, j] * b[i, 0]) + c[j], sum[i, j]);
            }
        }
    }

    [Theory]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 2 })]
    [InlineData(new[] { 0, 2 })]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 0, 1, 2, 3 })]
    public void Reduce_matches_a_naive_loop(int[] axes)
    {
        var g = new Generator(77);
        Tensor x = Tensor.RandomNormal([3, 5, 2, 7], 0, 1, g, DType.Float64);
        double[] expectedSum = Naive(x, axes, 0.0, (acc, v) => acc + v);
        double[] expectedMax = Naive(x, axes, double.NegativeInfinity, Math.Max);
        Assert.Equal(expectedSum, x.Sum(axes).ToDoubleArray(), new Tolerance(1e-12));
        Assert.Equal(expectedMax, x.Max(axes).ToDoubleArray());
        Assert.Equal(expectedMax.Select(v => (float)v), x.To(DType.Float32).Max(axes).ToArray());
    }

    private static double[] Naive(Tensor x, int[] axes, double identity, Func<double, double, double> combine)
    {
        Shape shape = x.Shape;
        int size = Enumerable.Range(0, shape.Rank).Where(i => !axes.Contains(i)).Aggregate(1, (acc, i) => acc * shape[i]);
        double[] result = Enumerable.Repeat(identity, size).ToArray();
        var index = new int[shape.Rank];
        for (int n = 0; n < shape.Size; n++)
        {
            int target = 0;
            for (int i = 0; i < shape.Rank; i++)
            {
                target = axes.Contains(i) ? target : (target * shape[i]) + index[i];
            }
            result[target] = combine(result[target], x[index]);
            for (int i = shape.Rank - 1; i >= 0 && ++index[i] == shape[i]; i--)
            {
                index[i] = 0;
            }
        }
        return result;
    }

    // The vector path against the scalar definition, element by element: the scalar definition is the
    // portable fallback (CI also runs these tests with hardware intrinsics switched off).
    private static void CheckUnary<TOp>(int length) where TOp : IScalarUnaryOp
    {
        (float[] x, _) = Data(length);
        float[] result = new float[length];
        VectorLoop.Unary<TOp, float>(x, result);
        Assert.Equal(x.Select(TOp.Invoke), result);
    }

    private static void CheckBinary<TOp>(int length) where TOp : IScalarBinaryOp
    {
        (float[] x, float[] y) = Data(length);
        float[] spans = new float[length], spanScalar = new float[length], scalarSpan = new float[length];
        VectorLoop.Binary<TOp, float>(x, y, spans);
        VectorLoop.Binary<TOp, float>(x, 0.5f, spanScalar);
        VectorLoop.Binary<TOp, float>(0.5f, y, scalarSpan);
        Assert.Equal(x.Zip(y, TOp.Invoke), spans);
        Assert.Equal(x.Select(v => TOp.Invoke(v, 0.5f)), spanScalar);
        Assert.Equal(y.Select(v => TOp.Invoke(0.5f, v)), scalarSpan);
    }

    // Values with ties, zeros and a NaN, so comparisons and sign meet every case.
    private static (float[] X, float[] Y) Data(int length)
    {
        float[] pool = [-2f, -0.5f, 0f, 0.5f, 2f, float.NaN];
        float[] x = Enumerable.Range(0, length).Select(i => pool[(i * 5) % pool.Length]).ToArray();
        float[] y = Enumerable.Range(0, length).Select(i => pool[(i * 7 + 3) % pool.Length]).ToArray();
        return (x, y);
    }
}

using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

// Pooling against loops over PyTorch's definitions: windows of kernel k, stride s, padding p (padding is -inf
// for max, and counted or not for average), adaptive windows [floor(i n / m), ceil((i + 1) n / m)), and max
// pooling's tie rule (the first maximum in row-major window order gets the gradient).
public class PoolingKernelTests
{
    [Theory]
    [InlineData(5, 6, 2, 2, 0)]
    [InlineData(7, 5, 3, 2, 1)]
    [InlineData(6, 6, 3, 1, 1)]
    [InlineData(9, 4, 2, 3, 1)]
    [InlineData(4, 4, 4, 1, 2)]
    public void Max_and_average_pooling_match_the_definition(int h, int w, int k, int s, int p)
    {
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            Tensor x = Tensor.RandomNormal([2, 3, h, w], 0, 1, new Generator((ulong)(h * w + k)), dtype);
            int oh = ((h + (2 * p) - k) / s) + 1, ow = ((w + (2 * p) - k) / s) + 1;
            var max = new double[2 * 3 * oh * ow];
            var avgIn = new double[max.Length];
            var avgEx = new double[max.Length];
            int o = 0;
            for (int plane = 0; plane < 6; plane++)
            for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++, o++)
            {
                double best = double.NegativeInfinity, sum = 0;
                int count = 0;
                for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                {
                    int ih = (i * s) - p + a, iw = (j * s) - p + b;
                    if (ih >= 0 && ih < h && iw >= 0 && iw < w)
                    {
                        double v = x[plane / 3, plane % 3, ih, iw];
                        best = Math.Max(best, v);
                        sum += v;
                        count++;
                    }
                }
                int hEnd = Math.Min((i * s) - p + k, h + p), wEnd = Math.Min((j * s) - p + k, w + p);
                max[o] = best;
                avgIn[o] = sum / ((hEnd - ((i * s) - p)) * (wEnd - ((j * s) - p)));
                avgEx[o] = sum / count;
            }
            double tolerance = dtype == DType.Float32 ? 1e-6 : 1e-14;
            Assert.Equal(max, F.MaxPool2d(x, k, s, p).Data.ToDoubleArray());
            Assert.Equal(avgIn, F.AvgPool2d(x, k, s, p).Data.ToDoubleArray(), new Tolerance(tolerance));
            Assert.Equal(avgEx, F.AvgPool2d(x, k, s, p, countIncludePad: false).Data.ToDoubleArray(), new Tolerance(tolerance));
        }
    }

    [Fact]
    public void Max_pool_gives_the_gradient_to_the_first_maximum_and_propagates_nan()
    {
        var x = new Variable(Tensor.FromArray(new double[] { 1, 3, 3, 0, 2, 3, 3, 1, 0, 0, double.NaN, 5, 0, 0, 1, 2 }, [1, 1, 4, 4]));
        Variable y = F.MaxPool2d(x, 2);
        Assert.Equal([3.0, 3, 0, double.NaN], y.Data.ToArray<double>());
        F.Sum(y * Tensor.FromArray(new double[] { 1, 10, 100, 1000 }, [1, 1, 2, 2])).Backward();
        // window 1 ties at (0,1) and (1,1): the first in row-major order; window 2 ties at (0,2), (1,2): the first
        Assert.Equal([0.0, 1, 10, 0, 0, 0, 0, 0, 100, 0, 1000, 0, 0, 0, 0, 0], x.Grad!.Data.ToArray<double>());
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(5, 5)]
    [InlineData(10, 4)]
    [InlineData(3, 7)]
    public void Adaptive_windows_follow_pytorch(int n, int m)
    {
        PoolAxis axis = PoolAxis.Adaptive(n, m);
        for (int i = 0; i < m; i++)
        {
            Assert.Equal((int)Math.Floor((double)i * n / m), axis.Start[i]);
            Assert.Equal((int)Math.Ceiling((double)(i + 1) * n / m), axis.End[i]);
        }
        Tensor x = Tensor.RandomNormal([1, 1, n, n], 0, 1, new Generator(3), DType.Float64);
        Tensor y = F.AdaptiveAvgPool2d(x, m, m).Data;
        Assert.Equal(x.Slice(2, axis.Start[0], axis.End[0]).Slice(3, axis.Start[m - 1], axis.End[m - 1]).Mean().Item(), y[0, 0, 0, m - 1], 12);
        Assert.Equal(x.Mean().Item(), F.AdaptiveAvgPool2d(x).Data.Item(), 12); // global average pooling
    }
}

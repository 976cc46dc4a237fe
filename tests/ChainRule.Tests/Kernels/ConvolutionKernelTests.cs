using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

// Convolution through im2col + GEMM against loops over the definition, on odd sizes, strides 1-3, paddings
// 0-2 (and asymmetric), dilations 1-2, groups 1 / 2 / depthwise, batch 1 and 3, float32 and float64. The two
// adjoints are checked as adjoints: <conv(x, w), G> = <inputGrad(G, w), x> = <weightGrad(x, G), w>, and
// against their own naive loops.
public class ConvolutionKernelTests
{
    public static TheoryData<int[]> Cases => new()
    {
        // n, c, h, w, outC, kh, kw, stride, padding, dilation, groups
        new[] { 1, 1, 5, 5, 1, 3, 3, 1, 0, 1, 1 },
        new[] { 3, 2, 7, 6, 4, 3, 3, 1, 1, 1, 1 },
        new[] { 2, 3, 9, 8, 5, 3, 2, 2, 1, 1, 1 },
        new[] { 1, 2, 11, 7, 3, 5, 3, 3, 2, 1, 1 },
        new[] { 2, 2, 9, 9, 2, 3, 3, 1, 2, 2, 1 },
        new[] { 3, 4, 7, 9, 6, 3, 3, 2, 1, 2, 2 },
        new[] { 2, 4, 6, 5, 4, 3, 3, 1, 1, 1, 4 },   // depthwise
        new[] { 1, 6, 5, 7, 3, 1, 1, 1, 0, 1, 3 },   // 1x1, groups 3
        new[] { 2, 1, 4, 4, 2, 4, 4, 1, 0, 1, 1 },   // the kernel covers the whole image
        new[] { 1, 3, 13, 5, 2, 2, 3, 3, 0, 1, 1 },
        new[] { 20, 8, 28, 28, 3, 3, 3, 1, 1, 1, 1 }, // 20 images: dW summed over 16 runs of 1 or 2
        new[] { 3, 64, 33, 31, 4, 3, 3, 1, 1, 1, 2 }, // large columns, two groups
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2d_and_its_adjoints_match_the_definition(int[] sizes)
    {
        (int n, int c, int h, int w, int outC, int kh, int kw) = (sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[5], sizes[6]);
        (int stride, int padding, int dilation, int groups) = (sizes[7], sizes[8], sizes[9], sizes[10]);
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            var gen = new Generator((ulong)(n + (c * 7) + (h * 13) + (stride * 31)));
            Tensor x = Tensor.RandomNormal([n, c, h, w], 0, 1, gen, dtype);
            Tensor weight = Tensor.RandomNormal([outC, c / groups, kh, kw], 0, 1, gen, dtype);
            Tensor bias = Tensor.RandomNormal([outC], 0, 1, gen, dtype);
            // asymmetric padding too: one more row at the bottom and one more column at the left
            foreach (int[] pads in new[] { new[] { padding, padding, padding, padding }, new[] { padding, padding + 1, padding + 1, padding } })
            {
                ConvGeometry g = Tensor.ConvGeometryOf(x.Shape, weight.Shape, [stride, stride], pads, [dilation, dilation], groups);
                double tolerance = dtype == DType.Float32 ? 1e-4 : 1e-11;
                double[] expected = Naive(x, weight, bias, g);
                Assert.Equal(expected, Tensor.Conv2dForward(x, weight, bias, g).ToDoubleArray(), new Tolerance(tolerance));

                Tensor gy = Tensor.RandomNormal(Tensor.ConvOutputShape(g), 0, 1, gen, dtype);
                Assert.Equal(NaiveInputGrad(gy, weight, g), Tensor.Conv2dInputGrad(gy, weight, g).ToDoubleArray(), new Tolerance(tolerance));
                Assert.Equal(NaiveWeightGrad(x, gy, g), Tensor.Conv2dWeightGrad(x, gy, g).ToDoubleArray(), new Tolerance(tolerance * 10));

                // the adjoint identities, summed in float64; the rounding allowed grows with the sum of |terms|
                Tensor y = Tensor.Conv2dForward(x, weight, null, g).To(DType.Float64), gy64 = gy.To(DType.Float64);
                double forward = (y * gy64).Sum().Item();
                double scale = Math.Max(1, (Tensor.Abs(y) * Tensor.Abs(gy64)).Sum().Item());
                double slack = (dtype == DType.Float32 ? 1e-6 : 1e-13) * scale;
                Assert.Equal(forward, (Tensor.Conv2dInputGrad(gy, weight, g).To(DType.Float64) * x.To(DType.Float64)).Sum().Item(), slack);
                Assert.Equal(forward, (Tensor.Conv2dWeightGrad(x, gy, g).To(DType.Float64) * weight.To(DType.Float64)).Sum().Item(), slack);
            }
        }
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        var gen = new Generator(7);
        Tensor x = Tensor.RandomNormal([21, 8, 28, 28], 0, 1, gen);
        Tensor weight = Tensor.RandomNormal([16, 8, 3, 3], 0, 1, gen);
        ConvGeometry g = Tensor.ConvGeometryOf(x.Shape, weight.Shape, [1, 1], [1, 1, 1, 1], [1, 1], 1);
        Tensor gy = Tensor.RandomNormal(Tensor.ConvOutputShape(g), 0, 1, gen);
        int saved = Parallelism.MaxDegree;
        try
        {
            float[][] Run(int threads)
            {
                Parallelism.MaxDegree = threads;
                return [Tensor.Conv2dForward(x, weight, null, g).ToArray(), Tensor.Conv2dInputGrad(gy, weight, g).ToArray(), Tensor.Conv2dWeightGrad(x, gy, g).ToArray()];
            }
            float[][] one = Run(1), two = Run(2), three = Run(3);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(one[i], two[i]);
                Assert.Equal(one[i], three[i]);
            }
        }
        finally
        {
            Parallelism.MaxDegree = saved;
        }
    }

    [Fact]
    public void Bad_geometry_is_refused_naming_the_op_and_the_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.ConvGeometryOf(new Shape(64, 3, 28, 28), new Shape(32, 1, 3, 3), [1, 1], [0, 0, 0, 0], [1, 1], 1));
        Assert.Equal("conv2d: input (64, 3, 28, 28) has 3 channels, but the weight (32, 1, 3, 3) expects 1.", error.Message);
        error = Assert.Throws<ArgumentException>(() => Tensor.ConvGeometryOf(new Shape(1, 1, 4, 4), new Shape(1, 1, 5, 5), [1, 1], [0, 0, 0, 0], [1, 1], 1));
        Assert.Contains("the kernel spans 5x5 (dilation included), more than the padded input 4x4", error.Message);
        error = Assert.Throws<ArgumentException>(() => Tensor.ConvGeometryOf(new Shape(1, 1, 4, 4), new Shape(1, 1, 3, 3), [0, 1], [0, 0, 0, 0], [1, 1], 1));
        Assert.Contains("stride (0, 1)", error.Message);
        error = Assert.Throws<ArgumentException>(() => Tensor.ConvGeometryOf(new Shape(1, 3, 4, 4), new Shape(4, 1, 3, 3), [1, 1], [0, 0, 0, 0], [1, 1], 2));
        Assert.Contains("groups 2 must be at least 1 and divide both the input's 3 channels", error.Message);
    }

    // y[n, o, oh, ow] = b[o] + sum over the group's channels and the kernel of x[n, c, ih, iw] w[o, c', i, j]
    private static double[] Naive(Tensor x, Tensor w, Tensor? b, ConvGeometry g)
    {
        var y = new double[g.N * g.OutC * g.OH * g.OW];
        int cPerGroup = g.C / g.Groups, oPerGroup = g.OutC / g.Groups;
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.OutC; o++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        {
            double sum = b is null ? 0 : b[o];
            int group = o / oPerGroup;
            for (int ci = 0; ci < cPerGroup; ci++)
            for (int i = 0; i < g.KH; i++)
            for (int j = 0; j < g.KW; j++)
            {
                int ih = (oh * g.StrideH) - g.PadTop + (i * g.DilationH), iw = (ow * g.StrideW) - g.PadLeft + (j * g.DilationW);
                if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
                {
                    sum += x[n, (group * cPerGroup) + ci, ih, iw] * w[o, ci, i, j];
                }
            }
            y[(((((n * g.OutC) + o) * g.OH) + oh) * g.OW) + ow] = sum;
        }
        return y;
    }

    private static double[] NaiveInputGrad(Tensor gy, Tensor w, ConvGeometry g)
    {
        var dx = new double[g.N * g.C * g.H * g.W];
        int cPerGroup = g.C / g.Groups, oPerGroup = g.OutC / g.Groups;
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.OutC; o++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        for (int ci = 0; ci < cPerGroup; ci++)
        for (int i = 0; i < g.KH; i++)
        for (int j = 0; j < g.KW; j++)
        {
            int ih = (oh * g.StrideH) - g.PadTop + (i * g.DilationH), iw = (ow * g.StrideW) - g.PadLeft + (j * g.DilationW);
            if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
            {
                int c = ((o / oPerGroup) * cPerGroup) + ci;
                dx[(((((n * g.C) + c) * g.H) + ih) * g.W) + iw] += gy[n, o, oh, ow] * w[o, ci, i, j];
            }
        }
        return dx;
    }

    private static double[] NaiveWeightGrad(Tensor x, Tensor gy, ConvGeometry g)
    {
        int cPerGroup = g.C / g.Groups, oPerGroup = g.OutC / g.Groups;
        var dw = new double[g.OutC * cPerGroup * g.KH * g.KW];
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.OutC; o++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        for (int ci = 0; ci < cPerGroup; ci++)
        for (int i = 0; i < g.KH; i++)
        for (int j = 0; j < g.KW; j++)
        {
            int ih = (oh * g.StrideH) - g.PadTop + (i * g.DilationH), iw = (ow * g.StrideW) - g.PadLeft + (j * g.DilationW);
            if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
            {
                dw[(((((o * cPerGroup) + ci) * g.KH) + i) * g.KW) + j] += gy[n, o, oh, ow] * x[n, ((o / oPerGroup) * cPerGroup) + ci, ih, iw];
            }
        }
        return dw;
    }
}

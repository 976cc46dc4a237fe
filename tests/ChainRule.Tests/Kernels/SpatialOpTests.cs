namespace ChainRule.Tests.Kernels;

// F.Pad, F.Unfold / F.Fold and F.Upsample against loops over their definitions (PyTorch's), float32 and float64,
// and the errors that name the op and the shapes.
public class SpatialOpTests
{
    [Theory]
    [InlineData(new[] { 1, 2, 0, 1 })]
    [InlineData(new[] { -1, 2, 1, -2 })]
    [InlineData(new[] { 0, 0, 0, 0, 1, 1 })]
    [InlineData(new[] { -3, 0 })]
    public void Pad_matches_the_definition(int[] pad)
    {
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            Tensor x = Tensor.RandomNormal([2, 2, 4, 3], 0, 1, new Generator(1), dtype);
            Tensor y = F.Pad(x, pad, value: -7).Data;
            int[] before = new int[4], after = new int[4];
            for (int pair = 0; pair < pad.Length / 2; pair++)
            {
                (before[3 - pair], after[3 - pair]) = (pad[2 * pair], pad[(2 * pair) + 1]);
            }
            Assert.Equal(Enumerable.Range(0, 4).Select(a => x.Shape[a] + before[a] + after[a]), y.Shape.ToArray());
            for (int n = 0; n < y.Shape[0]; n++)
            for (int c = 0; c < y.Shape[1]; c++)
            for (int h = 0; h < y.Shape[2]; h++)
            for (int w = 0; w < y.Shape[3]; w++)
            {
                int[] source = [n - before[0], c - before[1], h - before[2], w - before[3]];
                bool inside = source.Select((s, a) => s >= 0 && s < x.Shape[a]).All(b => b);
                Assert.Equal(inside ? x[source] : -7, y[n, c, h, w]);
            }
        }
    }

    [Theory]
    [InlineData(3, 1, 0, 1)]
    [InlineData(2, 1, 1, 2)]
    [InlineData(3, 2, 2, 1)]
    [InlineData(2, 1, 0, 3)]
    public void Unfold_matches_the_definition_and_fold_is_its_adjoint(int k, int dilation, int padding, int stride)
    {
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            var gen = new Generator((ulong)(k + (7 * stride)));
            Tensor x = Tensor.RandomNormal([2, 3, 7, 6], 0, 1, gen, dtype);
            Tensor blocks = F.Unfold(x, k, dilation, padding, stride).Data;
            int oh = ((7 + (2 * padding) - (dilation * (k - 1)) - 1) / stride) + 1, ow = ((6 + (2 * padding) - (dilation * (k - 1)) - 1) / stride) + 1;
            Assert.Equal(new Shape(2, 3 * k * k, oh * ow), blocks.Shape);
            for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
            for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            for (int p = 0; p < oh * ow; p++)
            {
                int ih = ((p / ow) * stride) - padding + (i * dilation), iw = ((p % ow) * stride) - padding + (j * dilation);
                double expected = ih >= 0 && ih < 7 && iw >= 0 && iw < 6 ? x[n, c, ih, iw] : 0;
                Assert.Equal(expected, blocks[n, (((c * k) + i) * k) + j, p]);
            }
            Tensor g = Tensor.RandomNormal(blocks.Shape, 0, 1, gen, dtype);
            Tensor folded = F.Fold(g, 7, 6, k, dilation, padding, stride).Data;
            Assert.Equal((blocks * g).Sum().Item(), (x * folded).Sum().Item(), dtype == DType.Float32 ? 1e-3 : 1e-10);
        }
    }

    [Fact]
    public void Upsample_nearest_reads_floor_of_the_scaled_index()
    {
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 12).Select(v => (double)v).ToArray(), [1, 2, 2, 3]);
        Tensor y = F.Upsample(x, 2).Data;
        Assert.Equal(new Shape(1, 2, 4, 6), y.Shape);
        Assert.Equal([0.0, 0, 1, 1, 2, 2], y.Select(0, 0).Select(0, 0).Select(0, 1).ToArray<double>());
        Tensor z = F.Upsample(x, 3, 2).Data; // rows 0, 0, 1 (floor(i * 2 / 3)); columns 0, 1 (floor(j * 3 / 2))
        Assert.Equal([6.0, 7, 6, 7, 9, 10], z.Select(0, 0).Select(0, 1).ToArray<double>());
    }

    [Fact]
    public void Bad_arguments_name_the_op_and_the_shapes()
    {
        Tensor x = Tensor.Zeros([1, 2, 3, 3]);
        Assert.Contains("pad: (1, 2, 3) must be (before, after) pairs for at most the 4 axes of (1, 2, 3, 3)", Assert.Throws<ArgumentException>(() => F.Pad(x, [1, 2, 3])).Message);
        Assert.Contains("crops axis 3 of (1, 2, 3, 3) to a negative size -1", Assert.Throws<ArgumentException>(() => F.Pad(x, [-2, -2])).Message);
        Assert.Contains("unfold: the kernel spans 5x5", Assert.Throws<ArgumentException>(() => F.Unfold(x, 5)).Message);
        Assert.Contains("fold: blocks (1, 8, 5) hold 5 blocks, but a 2x2 kernel over (3, 3) with these settings makes 4", Assert.Throws<ArgumentException>(() => F.Fold(Tensor.Zeros([1, 8, 5]), 3, 3, 2)).Message);
        Assert.Contains("upsample: input (2, 3)", Assert.Throws<ArgumentException>(() => F.Upsample(Tensor.Zeros([2, 3]), 2)).Message);
    }
}

using ChainRule.Kernels;

namespace ChainRule;

// Padding, nearest upsampling, and unfold / fold (im2col and col2im as ops), with PyTorch's argument conventions.
public static partial class F
{
    /// <summary>
    /// torch.nn.functional.pad, constant mode: <paramref name="pad"/> holds (before, after) pairs starting from the
    /// last axis, e.g. (left, right, top, bottom) for the width and height of (N, C, H, W). Negative amounts crop.
    /// </summary>
    public static Variable Pad(Variable x, int[] pad, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(pad);
        if (pad.Length % 2 != 0 || pad.Length / 2 > x.Rank)
        {
            throw new ArgumentException($"pad: ({string.Join(", ", pad)}) must be (before, after) pairs for at most the {x.Rank} axes of {x.Shape}.");
        }
        int[] before = new int[x.Rank], after = new int[x.Rank];
        for (int pair = 0; pair < pad.Length / 2; pair++)
        {
            int axis = x.Rank - 1 - pair;
            (before[axis], after[axis]) = (pad[2 * pair], pad[(2 * pair) + 1]);
            if ((long)x.Shape[axis] + before[axis] + after[axis] < 0)
            {
                throw new ArgumentException($"pad: ({string.Join(", ", pad)}) crops axis {axis} of {x.Shape} to a negative size {(long)x.Shape[axis] + before[axis] + after[axis]}.");
            }
        }
        return new Functions.Pad(before, after, value).Apply(x);
    }

    /// <summary>
    /// torch.nn.functional.interpolate(mode="nearest") on (N, C, H, W) to (N, C, outH, outW): output row i reads input
    /// row floor(i * H / outH), and likewise for columns. Gradients add up over the copies.
    /// </summary>
    public static Variable Upsample(Variable x, int outH, int outW)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4 || outH < 1 || outW < 1)
        {
            throw new ArgumentException($"upsample: input {x.Shape} must be (N, C, H, W) and the size ({outH}, {outW}) positive.");
        }
        Tensor rows = Tensor.FromArray(Enumerable.Range(0, outH).Select(i => (long)i * x.Shape[2] / outH).ToArray(), [outH]);
        Tensor cols = Tensor.FromArray(Enumerable.Range(0, outW).Select(j => (long)j * x.Shape[3] / outW).ToArray(), [outW]);
        return Take(Take(x, rows, 2), cols, 3);
    }

    /// <summary>Nearest upsampling by an integer factor: (N, C, H, W) to (N, C, H * scale, W * scale).</summary>
    public static Variable Upsample(Variable x, int scale)
    {
        ArgumentNullException.ThrowIfNull(x);
        return scale >= 1 && x.Rank == 4 ? Upsample(x, x.Shape[2] * scale, x.Shape[3] * scale)
            : throw new ArgumentException($"upsample: input {x.Shape} must be (N, C, H, W) and the scale {scale} at least 1.");
    }

    /// <summary>torch.nn.functional.unfold: x (N, C, H, W) to (N, C * kernel^2, L), the L blocks a convolution with these settings sees.</summary>
    public static Variable Unfold(Variable x, int kernel, int dilation = 1, int padding = 0, int stride = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ConvGeometry g = BlockGeometry(x.Shape, x.Rank == 4 ? x.Shape[1] : 0, x.Rank == 4 ? x.Shape[2] : 0, x.Rank == 4 ? x.Shape[3] : 0, kernel, dilation, padding, stride, "unfold");
        return new Functions.Unfold(g).Apply(x);
    }

    /// <summary>torch.nn.functional.fold: blocks (N, C * kernel^2, L) summed back into (N, C, outH, outW), the adjoint of unfold.</summary>
    public static Variable Fold(Variable blocks, int outH, int outW, int kernel, int dilation = 1, int padding = 0, int stride = 1)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Rank != 3 || kernel < 1 || blocks.Shape[1] % (kernel * kernel) != 0)
        {
            throw new ArgumentException($"fold: blocks {blocks.Shape} must be (N, C * {kernel}^2, L).");
        }
        int channels = blocks.Shape[1] / (kernel * kernel);
        ConvGeometry g = BlockGeometry(new Shape(blocks.Shape[0], channels, outH, outW), channels, outH, outW, kernel, dilation, padding, stride, "fold");
        if (g.P != blocks.Shape[2])
        {
            throw new ArgumentException($"fold: blocks {blocks.Shape} hold {blocks.Shape[2]} blocks, but a {kernel}x{kernel} kernel over ({outH}, {outW}) with these settings makes {g.P}.");
        }
        return new Functions.Fold(g).Apply(blocks);
    }

    private static ConvGeometry BlockGeometry(Shape images, int channels, int h, int w, int kernel, int dilation, int padding, int stride, string op)
    {
        if (images.Rank != 4 || channels < 1 || h < 1 || w < 1 || kernel < 1)
        {
            throw new ArgumentException($"{op}: images {images} must be (N, C, H, W) and the kernel {kernel} positive.");
        }
        return Tensor.ConvGeometryOf(images, new Shape(1, channels, kernel, kernel), [stride, stride], [padding, padding, padding, padding], [dilation, dilation], 1, op);
    }
}

using ChainRule.Functions;
using ChainRule.Kernels;

namespace ChainRule;

// Convolutions, PyTorch's semantics and NCHW layout. Sizes per axis are (height, width) pairs; a single
// int means the same on both axes.
public static partial class F
{
    /// <summary>
    /// torch.nn.functional.conv2d: x (N, C, H, W), weight (OutC, C / groups, KH, KW), bias (OutC) or null;
    /// y (N, OutC, OH, OW) with OH = (H + 2 padding - dilation (KH - 1) - 1) / stride + 1.
    /// </summary>
    public static Variable Conv2d(Variable x, Variable weight, Variable? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(x, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary>conv2d with per-axis stride, padding (each side of an axis alike) and dilation.</summary>
    public static Variable Conv2d(Variable x, Variable weight, Variable? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ConvGeometry g = Tensor.ConvGeometryOf(x.Shape, weight.Shape, [stride.H, stride.W], [padding.H, padding.H, padding.W, padding.W], [dilation.H, dilation.W], groups);
        CheckBias(bias, g.OutC, "conv2d");
        return bias is null ? new Functions.Conv2d(g).Apply(x, weight) : new Functions.Conv2d(g).Apply(x, weight, bias);
    }

    /// <summary>
    /// conv2d with padding "valid" (none) or "same" (the output keeps H and W; stride must be 1; an odd total
    /// padding puts the extra row and column at the bottom and right, as PyTorch does).
    /// </summary>
    public static Variable Conv2d(Variable x, Variable weight, Variable? bias, string padding, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        int[] pads = padding switch
        {
            "valid" => [0, 0, 0, 0],
            "same" when weight.Rank == 4 => SamePadding(weight.Shape[2], weight.Shape[3], dilation),
            "same" => throw new ArgumentException($"conv2d: weight {weight.Shape} must be (out_channels, in_channels / groups, kH, kW)."),
            _ => throw new ArgumentException($"conv2d: padding '{padding}' is not understood; use \"same\", \"valid\", or a number."),
        };
        ConvGeometry g = Tensor.ConvGeometryOf(x.Shape, weight.Shape, [1, 1], pads, [dilation, dilation], groups);
        CheckBias(bias, g.OutC, "conv2d");
        return bias is null ? new Functions.Conv2d(g).Apply(x, weight) : new Functions.Conv2d(g).Apply(x, weight, bias);
    }

    /// <summary>torch.nn.functional.conv1d: x (N, C, L), weight (OutC, C / groups, K), as conv2d over a height of 1.</summary>
    public static Variable Conv1d(Variable x, Variable weight, Variable? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 3 || weight.Rank != 3)
        {
            throw new ArgumentException($"conv1d: input {x.Shape} and weight {weight.Shape} must be (N, C, L) and (out_channels, in_channels / groups, k).");
        }
        Variable y = Conv2d(Unsqueeze(x, 2), Unsqueeze(weight, 2), bias, (1, stride), (0, padding), (1, dilation), groups);
        return Squeeze(y, 2);
    }

    /// <summary>
    /// torch.nn.functional.conv_transpose2d: x (N, Cin, H, W), weight (Cin, OutC / groups, KH, KW); the adjoint of
    /// conv2d, so OH = (H - 1) stride - 2 padding + dilation (KH - 1) + outputPadding + 1.
    /// </summary>
    public static Variable ConvTranspose2d(Variable x, Variable weight, Variable? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 4 || weight.Rank != 4 || x.Shape[1] != weight.Shape[0])
        {
            throw new ArgumentException($"conv_transpose2d: input {x.Shape} and weight {weight.Shape} must be (N, C, H, W) and (C, out_channels / groups, kH, kW) with the same C.");
        }
        if (outputPadding < 0 || outputPadding >= Math.Max(stride, dilation))
        {
            throw new ArgumentException($"conv_transpose2d: output padding {outputPadding} must be in [0, max(stride {stride}, dilation {dilation})).");
        }
        int oh = ((x.Shape[2] - 1) * stride) - (2 * padding) + (dilation * (weight.Shape[2] - 1)) + outputPadding + 1;
        int ow = ((x.Shape[3] - 1) * stride) - (2 * padding) + (dilation * (weight.Shape[3] - 1)) + outputPadding + 1;
        int outChannels = weight.Shape[1] * groups;
        // The conv2d whose input gradient this is: input (N, OutC, OH, OW), weight (Cin, OutC / groups, KH, KW), output x's shape.
        ConvGeometry g = Tensor.ConvGeometryOf(new Shape(x.Shape[0], outChannels, oh, ow), weight.Shape, [stride, stride], [padding, padding, padding, padding], [dilation, dilation], groups, "conv_transpose2d");
        if (g.OH != x.Shape[2] || g.OW != x.Shape[3])
        {
            throw new ArgumentException($"conv_transpose2d: input {x.Shape} does not fit stride {stride}, padding {padding} and output padding {outputPadding}.");
        }
        CheckBias(bias, outChannels, "conv_transpose2d");
        Variable y = new Conv2dInputGrad(g).Apply(x, weight);
        return bias is null ? y : y + Reshape(bias, 1, outChannels, 1, 1);
    }

    private static int[] SamePadding(int kh, int kw, int dilation)
    {
        int th = dilation * (kh - 1), tw = dilation * (kw - 1);
        return [th / 2, th - (th / 2), tw / 2, tw - (tw / 2)];
    }

    private static void CheckBias(Variable? bias, int channels, string op)
    {
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != channels))
        {
            throw new ArgumentException($"{op}: bias {bias.Shape} must be ({channels}), one per output channel.");
        }
    }
}

// Pooling, (N, C, H, W) as in PyTorch.
public static partial class F
{
    /// <summary>torch.nn.functional.max_pool2d: the maximum of each kernel window (stride defaults to the kernel; padding counts as -inf, at most half the kernel).</summary>
    public static Variable MaxPool2d(Variable x, int kernel, int? stride = null, int padding = 0) =>
        MaxPool2d(x, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding));

    /// <summary>max_pool2d with per-axis kernel, stride and padding.</summary>
    public static Variable MaxPool2d(Variable x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        (PoolAxis rows, PoolAxis cols) = PoolAxes(x, kernel, stride, padding, "max_pool2d");
        return new Functions.MaxPool2d(rows, cols).Apply(x);
    }

    /// <summary>torch.nn.functional.avg_pool2d: the mean of each window; countIncludePad divides by the window size with padding counted (PyTorch's default).</summary>
    public static Variable AvgPool2d(Variable x, int kernel, int? stride = null, int padding = 0, bool countIncludePad = true)
    {
        (PoolAxis rows, PoolAxis cols) = PoolAxes(x, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding), "avg_pool2d");
        return new Functions.AvgPool2d(rows, cols, countIncludePad).Apply(x);
    }

    /// <summary>torch.nn.functional.adaptive_avg_pool2d: output (N, C, outH, outW), output i averaging input [floor(i H / outH), ceil((i + 1) H / outH)).</summary>
    public static Variable AdaptiveAvgPool2d(Variable x, int outH, int outW)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4 || outH < 1 || outW < 1)
        {
            throw new ArgumentException($"adaptive_avg_pool2d: input {x.Shape} must be (N, C, H, W) and the output size ({outH}, {outW}) positive.");
        }
        return new Functions.AvgPool2d(PoolAxis.Adaptive(x.Shape[2], outH), PoolAxis.Adaptive(x.Shape[3], outW), countIncludePad: true).Apply(x);
    }

    /// <summary>Global average pooling: adaptive_avg_pool2d to 1 x 1.</summary>
    public static Variable AdaptiveAvgPool2d(Variable x, int outputSize = 1) => AdaptiveAvgPool2d(x, outputSize, outputSize);

    private static (PoolAxis Rows, PoolAxis Cols) PoolAxes(Variable x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4)
        {
            throw new ArgumentException($"{op}: input {x.Shape} must be (N, C, H, W).");
        }
        if (kernel.H < 1 || kernel.W < 1 || stride.H < 1 || stride.W < 1 || padding.H < 0 || padding.W < 0
            || 2 * padding.H > kernel.H || 2 * padding.W > kernel.W)
        {
            throw new ArgumentException($"{op}: kernel ({kernel.H}, {kernel.W}) and stride ({stride.H}, {stride.W}) must be at least 1, padding ({padding.H}, {padding.W}) at least 0 and at most half the kernel.");
        }
        if (kernel.H > x.Shape[2] + (2 * padding.H) || kernel.W > x.Shape[3] + (2 * padding.W))
        {
            throw new ArgumentException($"{op}: kernel ({kernel.H}, {kernel.W}) is larger than the padded input {x.Shape[2] + (2 * padding.H)}x{x.Shape[3] + (2 * padding.W)} of {x.Shape}.");
        }
        return (PoolAxis.Sliding(x.Shape[2], kernel.H, stride.H, padding.H), PoolAxis.Sliding(x.Shape[3], kernel.W, stride.W, padding.W));
    }
}

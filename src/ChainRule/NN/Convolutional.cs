namespace ChainRule.NN;

// Convolution and pooling layers, NCHW, with PyTorch's parameter layout, names and default initialization
// (weights and biases uniform in ±1/sqrt(fan_in), fan_in = in_channels / groups * kernel area: what
// kaiming_uniform_(a = sqrt 5) gives), so checkpoints interoperate.

/// <summary>nn.Conv2d: weight (out, in / groups, k, k), bias (out).</summary>
public sealed class Conv2d : Module
{
    public Conv2d(int inChannels, int outChannels, int kernel, Generator generator, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"Conv2d({inChannels} -> {outChannels}, kernel {kernel}, groups {groups}): channels and kernel must be positive and both channel counts divisible by groups.");
        }
        (InChannels, OutChannels, Kernel, Stride, Padding, Dilation, Groups) = (inChannels, outChannels, kernel, stride, padding, dilation, groups);
        double bound = 1 / Math.Sqrt(inChannels / groups * kernel * kernel);
        Weight = new Parameter(Tensor.RandomUniform([outChannels, inChannels / groups, kernel, kernel], -bound, bound, generator), "weight");
        Bias = bias ? new Parameter(Tensor.RandomUniform([outChannels], -bound, bound, generator), "bias") : null;
    }

    public int InChannels { get; }

    public int OutChannels { get; }

    public int Kernel { get; }

    public int Stride { get; }

    public int Padding { get; }

    public int Dilation { get; }

    public int Groups { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public override Variable Forward(Variable x) => F.Conv2d(x, Weight, Bias, Stride, Padding, Dilation, Groups);

    protected override IEnumerable<(string Name, Parameter Parameter)> OwnParameters() =>
        Bias is null ? [("weight", Weight)] : [("weight", Weight), ("bias", Bias)];

    public override string ToString() => $"Conv2d({InChannels} -> {OutChannels}, kernel {Kernel}, stride {Stride}, padding {Padding}{(Dilation > 1 ? $", dilation {Dilation}" : "")}{(Groups > 1 ? $", groups {Groups}" : "")})";
}

/// <summary>nn.Conv1d: (N, C, L) inputs, weight (out, in / groups, k).</summary>
public sealed class Conv1d : Module
{
    public Conv1d(int inChannels, int outChannels, int kernel, Generator generator, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"Conv1d({inChannels} -> {outChannels}, kernel {kernel}, groups {groups}): channels and kernel must be positive and both channel counts divisible by groups.");
        }
        (Stride, Padding, Dilation, Groups) = (stride, padding, dilation, groups);
        double bound = 1 / Math.Sqrt(inChannels / groups * kernel);
        Weight = new Parameter(Tensor.RandomUniform([outChannels, inChannels / groups, kernel], -bound, bound, generator), "weight");
        Bias = bias ? new Parameter(Tensor.RandomUniform([outChannels], -bound, bound, generator), "bias") : null;
    }

    public int Stride { get; }

    public int Padding { get; }

    public int Dilation { get; }

    public int Groups { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public override Variable Forward(Variable x) => F.Conv1d(x, Weight, Bias, Stride, Padding, Dilation, Groups);

    protected override IEnumerable<(string Name, Parameter Parameter)> OwnParameters() =>
        Bias is null ? [("weight", Weight)] : [("weight", Weight), ("bias", Bias)];

    public override string ToString() => $"Conv1d({Weight.Shape[1] * Groups} -> {Weight.Shape[0]}, kernel {Weight.Shape[2]})";
}

/// <summary>nn.ConvTranspose2d: weight (in, out / groups, k, k), bias (out).</summary>
public sealed class ConvTranspose2d : Module
{
    public ConvTranspose2d(int inChannels, int outChannels, int kernel, Generator generator, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"ConvTranspose2d({inChannels} -> {outChannels}, kernel {kernel}, groups {groups}): channels and kernel must be positive and both channel counts divisible by groups.");
        }
        (Stride, Padding, OutputPadding, Groups) = (stride, padding, outputPadding, groups);
        double bound = 1 / Math.Sqrt(outChannels / groups * kernel * kernel); // PyTorch's fan_in for this weight layout
        Weight = new Parameter(Tensor.RandomUniform([inChannels, outChannels / groups, kernel, kernel], -bound, bound, generator), "weight");
        Bias = bias ? new Parameter(Tensor.RandomUniform([outChannels], -bound, bound, generator), "bias") : null;
    }

    public int Stride { get; }

    public int Padding { get; }

    public int OutputPadding { get; }

    public int Groups { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    public override Variable Forward(Variable x) => F.ConvTranspose2d(x, Weight, Bias, Stride, Padding, OutputPadding, Groups);

    protected override IEnumerable<(string Name, Parameter Parameter)> OwnParameters() =>
        Bias is null ? [("weight", Weight)] : [("weight", Weight), ("bias", Bias)];

    public override string ToString() => $"ConvTranspose2d({Weight.Shape[0]} -> {Weight.Shape[1] * Groups}, kernel {Weight.Shape[2]}, stride {Stride})";
}

/// <summary>nn.MaxPool2d (stride defaults to the kernel).</summary>
public sealed class MaxPool2d(int kernel, int? stride = null, int padding = 0) : Module
{
    public int Kernel => kernel;

    public int Stride => stride ?? kernel;

    public int Padding => padding;

    public override Variable Forward(Variable x) => F.MaxPool2d(x, kernel, stride, padding);

    public override string ToString() => $"MaxPool2d({kernel}{(stride is int s && s != kernel ? $", stride {s}" : "")})";
}

/// <summary>nn.AvgPool2d (stride defaults to the kernel).</summary>
public sealed class AvgPool2d(int kernel, int? stride = null, int padding = 0, bool countIncludePad = true) : Module
{
    public int Kernel => kernel;

    public int Stride => stride ?? kernel;

    public int Padding => padding;

    public bool CountIncludePad => countIncludePad;

    public override Variable Forward(Variable x) => F.AvgPool2d(x, kernel, stride, padding, countIncludePad);

    public override string ToString() => $"AvgPool2d({kernel})";
}

/// <summary>nn.AdaptiveAvgPool2d: output (N, C, outH, outW); 1 x 1 is global average pooling.</summary>
public sealed class AdaptiveAvgPool2d(int outH = 1, int outW = 1) : Module
{
    public (int Height, int Width) OutputSize => (outH, outW);

    public override Variable Forward(Variable x) => F.AdaptiveAvgPool2d(x, outH, outW);

    public override string ToString() => $"AdaptiveAvgPool2d({outH}, {outW})";
}

/// <summary>Global average pooling: (N, C, H, W) -> (N, C), the mean of each channel's map.</summary>
public sealed class GlobalAveragePool : Module
{
    public override Variable Forward(Variable x) =>
        x.Rank == 4 ? F.Reshape(F.AdaptiveAvgPool2d(x, 1, 1), x.Shape[0], x.Shape[1]) : throw new ArgumentException($"{this}: input {x.Shape} must be (N, C, H, W).");

    public override string ToString() => "GlobalAveragePool";
}

/// <summary>nn.Dropout2d: in training, zeroes whole channels with probability p and scales the rest by 1 / (1 - p).</summary>
public sealed class Dropout2d : Module
{
    private readonly Generator _generator;

    public Dropout2d(double p, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1.0);
        P = p;
        _generator = generator;
    }

    public double P { get; }

    public override Variable Forward(Variable x)
    {
        if (!Training || P == 0)
        {
            return x;
        }
        if (x.Rank < 3)
        {
            throw new ArgumentException($"Dropout2d: input {x.Shape} must be (N, C, H, W) or (N, C, L).");
        }
        int[] dims = [x.Shape[0], x.Shape[1], .. Enumerable.Repeat(1, x.Rank - 2)];
        Tensor keep = Tensor.GreaterEqual(Tensor.RandomUniform(dims, 0, 1, _generator, x.DType), Tensor.Scalar(P, x.DType)).To(x.DType);
        return x * (keep / (1 - P));
    }

    protected override IEnumerable<(string Name, Generator Generator)> OwnGenerators() => [("generator", _generator)];

    public override string ToString() => $"Dropout2d({P})";
}

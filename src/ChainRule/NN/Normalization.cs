namespace ChainRule.NN;

/// <summary>
/// nn.BatchNorm1d / nn.BatchNorm2d: y = (x - mean) / sqrt(var + eps) * weight + bias per channel (axis 1).
/// Training uses the batch's statistics (biased variance) and updates the running ones with momentum
/// (unbiased variance, as PyTorch); evaluation uses the running ones. Buffers running_mean, running_var and
/// num_batches_tracked (Int64) are saved in checkpoints under PyTorch's names.
/// </summary>
public sealed class BatchNorm : Module
{
    private readonly int _rank;

    /// <param name="channels">C, the size of axis 1.</param>
    /// <param name="rank">4 for BatchNorm2d's (N, C, H, W), 2 or 3 for BatchNorm1d's (N, C) or (N, C, L).</param>
    public BatchNorm(int channels, int rank, double eps = 1e-5, double momentum = 0.1, bool affine = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (rank is < 2 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "BatchNorm: inputs are (N, C), (N, C, L) or (N, C, H, W).");
        }
        (Channels, _rank, Eps, Momentum) = (channels, rank, eps, momentum);
        Weight = affine ? new Parameter(Tensor.Ones([channels]), "weight") : null;
        Bias = affine ? new Parameter(Tensor.Zeros([channels]), "bias") : null;
        RunningMean = Tensor.Zeros([channels]);
        RunningVar = Tensor.Ones([channels]);
        NumBatchesTracked = Tensor.Zeros(Shape.Scalar, DType.Int64);
    }

    public int Channels { get; }

    public double Eps { get; }

    public double Momentum { get; }

    public Parameter? Weight { get; }

    public Parameter? Bias { get; }

    public Tensor RunningMean { get; }

    public Tensor RunningVar { get; }

    /// <summary>How many training batches updated the running statistics (Int64, as PyTorch's).</summary>
    public Tensor NumBatchesTracked { get; }

    public static BatchNorm BatchNorm1d(int channels, double eps = 1e-5, double momentum = 0.1) => new(channels, 3, eps, momentum);

    public static BatchNorm BatchNorm2d(int channels, double eps = 1e-5, double momentum = 0.1) => new(channels, 4, eps, momentum);

    public override Variable Forward(Variable x)
    {
        bool fits = x.Rank == _rank || (_rank == 3 && x.Rank == 2);
        if (!fits || x.Shape[1] != Channels)
        {
            throw new ArgumentException($"{this}: input {x.Shape} should be {(_rank == 4 ? "(N, C, H, W)" : "(N, C) or (N, C, L)")} with C = {Channels}.");
        }
        return F.BatchNorm(x, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps, NumBatchesTracked);
    }

    protected override IEnumerable<(string Name, Parameter Parameter)> OwnParameters() =>
        Weight is null ? [] : [("weight", Weight), ("bias", Bias!)];

    protected override IEnumerable<(string Name, Tensor Buffer)> OwnBuffers() =>
        [("running_mean", RunningMean), ("running_var", RunningVar), ("num_batches_tracked", NumBatchesTracked)];

    public override string ToString() => $"BatchNorm{(_rank == 4 ? 2 : 1)}d({Channels})";
}

/// <summary>nn.LayerNorm over the trailing axes of the normalized shape, with elementwise weight and bias.</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        NormalizedShape = new Shape(normalizedShape);
        Eps = eps;
        Weight = elementwiseAffine ? new Parameter(Tensor.Ones(NormalizedShape), "weight") : null;
        Bias = elementwiseAffine ? new Parameter(Tensor.Zeros(NormalizedShape), "bias") : null;
    }

    public Shape NormalizedShape { get; }

    public double Eps { get; }

    public Parameter? Weight { get; }

    public Parameter? Bias { get; }

    public override Variable Forward(Variable x) => F.LayerNorm(x, NormalizedShape, Weight, Bias, Eps);

    protected override IEnumerable<(string Name, Parameter Parameter)> OwnParameters() =>
        Weight is null ? [] : [("weight", Weight), ("bias", Bias!)];

    public override string ToString() => $"LayerNorm({NormalizedShape})";
}

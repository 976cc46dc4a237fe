namespace ChainRule.NN;

/// <summary>Weight initialisation schemes for a (outFeatures, inFeatures) matrix.</summary>
public enum InitScheme
{
    /// <summary>Glorot and Bengio (2010): U(-a, a), a = sqrt(6 / (fanIn + fanOut)). For sigmoid and tanh. Bias 0.</summary>
    Glorot,

    /// <summary>He et al. (2015): N(0, 2 / fanIn). For ReLU and its relatives. Bias 0.</summary>
    He,

    /// <summary>
    /// PyTorch's nn.Linear default: kaiming_uniform_(a = sqrt 5) for the weight, which is U(-a, a) with
    /// a = sqrt(6 / ((1 + 5) fanIn)) = 1 / sqrt(fanIn), and the bias U(-1 / sqrt(fanIn), 1 / sqrt(fanIn)) too.
    /// </summary>
    PyTorchDefault,
}

public static class Init
{
    /// <summary>A new (fanOut, fanIn) weight drawn by <paramref name="scheme"/> from <paramref name="generator"/>.</summary>
    public static Tensor Weight(int fanOut, int fanIn, InitScheme scheme, Generator generator, DType dtype = DType.Float32) => scheme switch
    {
        InitScheme.Glorot => Tensor.RandomUniform([fanOut, fanIn], -GlorotBound(fanIn, fanOut), GlorotBound(fanIn, fanOut), generator, dtype),
        InitScheme.He => Tensor.RandomNormal([fanOut, fanIn], 0, Math.Sqrt(2.0 / fanIn), generator, dtype),
        InitScheme.PyTorchDefault => Tensor.RandomUniform([fanOut, fanIn], -PyTorchBound(fanIn), PyTorchBound(fanIn), generator, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown initialisation scheme"),
    };

    /// <summary>
    /// A new (fanOut) bias for a layer whose weight <paramref name="scheme"/> drew: zeros, except PyTorch's default,
    /// which draws it from <paramref name="generator"/> after the weight, as nn.Linear.reset_parameters does.
    /// </summary>
    public static Tensor Bias(int fanOut, int fanIn, InitScheme scheme, Generator generator, DType dtype = DType.Float32) => scheme switch
    {
        InitScheme.Glorot or InitScheme.He => Tensor.Zeros([fanOut], dtype),
        InitScheme.PyTorchDefault => Tensor.RandomUniform([fanOut], -PyTorchBound(fanIn), PyTorchBound(fanIn), generator, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown initialisation scheme"),
    };

    private static double GlorotBound(int fanIn, int fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut));

    private static double PyTorchBound(int fanIn) => 1 / Math.Sqrt(fanIn);
}

namespace ChainRule.NN;

/// <summary>Weight initialisation schemes for a (outFeatures, inFeatures) matrix.</summary>
public enum InitScheme
{
    /// <summary>Glorot and Bengio (2010): U(-a, a), a = sqrt(6 / (fanIn + fanOut)). For sigmoid and tanh.</summary>
    Glorot,

    /// <summary>He et al. (2015): N(0, 2 / fanIn). For ReLU and its relatives.</summary>
    He,
}

public static class Init
{
    /// <summary>A new (fanOut, fanIn) weight drawn by <paramref name="scheme"/> from <paramref name="generator"/>.</summary>
    public static Tensor Weight(int fanOut, int fanIn, InitScheme scheme, Generator generator, DType dtype = DType.Float32) => scheme switch
    {
        InitScheme.Glorot => Tensor.RandomUniform([fanOut, fanIn], -GlorotBound(fanIn, fanOut), GlorotBound(fanIn, fanOut), generator, dtype),
        InitScheme.He => Tensor.RandomNormal([fanOut, fanIn], 0, Math.Sqrt(2.0 / fanIn), generator, dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "unknown initialisation scheme"),
    };

    private static double GlorotBound(int fanIn, int fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut));
}

using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// The initial weights both libraries start from. Layer l maps Layers[l] inputs to Layers[l+1]
/// outputs as y = x W + b, with W stored (in, out) row-major and b (out).
/// </summary>
public sealed class MlpParameters
{
    private MlpParameters(float[][] weights, float[][] biases)
    {
        Weights = weights;
        Biases = biases;
    }

    /// <summary>Weights[l]: (Layers[l], Layers[l+1]) row-major.</summary>
    public IReadOnlyList<float[]> Weights { get; }

    /// <summary>Biases[l]: (Layers[l+1]).</summary>
    public IReadOnlyList<float[]> Biases { get; }

    /// <summary>
    /// Uniform(-1/sqrt(in), 1/sqrt(in)) for every weight and bias (the range of PyTorch's
    /// nn.Linear default), drawn from one SplitMix64 stream: layer 0's weights in row-major
    /// order, then layer 0's biases, then layer 1's weights, and so on.
    /// </summary>
    public static MlpParameters Create(int[] layers, ulong seed)
    {
        var random = new SplitMix64(seed);
        var weights = new float[layers.Length - 1][];
        var biases = new float[layers.Length - 1][];
        for (int l = 0; l < weights.Length; l++)
        {
            float bound = 1f / MathF.Sqrt(layers[l]);
            weights[l] = random.NextUniformArray(layers[l] * layers[l + 1], -bound, bound);
            biases[l] = random.NextUniformArray(layers[l + 1], -bound, bound);
        }
        return new MlpParameters(weights, biases);
    }
}

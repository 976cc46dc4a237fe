namespace ChainRule.Bench.Workloads;

/// <summary>
/// A fully connected ReLU network trained with softmax cross-entropy and plain SGD.
/// Layers = [784, 256, 10] means Linear(784, 256), ReLU, Linear(256, 10); no ReLU after the last.
/// Each step: loss = mean over the batch of cross-entropy(softmax(logits), label);
/// every parameter p -= LearningRate * dloss/dp (no momentum, no weight decay).
/// </summary>
public sealed record MlpSpec(int[] Layers, int BatchSize, float LearningRate)
{
    public const float DefaultLearningRate = 0.1f;

    public static IReadOnlyList<MlpSpec> All { get; } =
    [
        new([784, 256, 10], 64, DefaultLearningRate),
        new([784, 512, 256, 10], 256, DefaultLearningRate),
    ];

    public string Name => $"{string.Join('-', Layers)} batch {BatchSize}";

    /// <summary>Builds a spec from layer sizes written as in Name, e.g. "784-256-10".</summary>
    public static MlpSpec Parse(string layers, int batchSize, float learningRate) =>
        new([.. layers.Split('-').Select(int.Parse)], batchSize, learningRate);
}

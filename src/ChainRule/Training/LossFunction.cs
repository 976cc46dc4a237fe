using ChainRule.NN;

namespace ChainRule.Training;

/// <summary>The loss of a model's output on a batch of targets (class labels, or regression targets).</summary>
public delegate Variable LossFunction(Variable output, Tensor target);

/// <summary>The training losses by name, as the command line offers them.</summary>
public static class LossFunctions
{
    public static readonly string[] Names = ["cross-entropy", "mse", "half-sse"];

    /// <summary>
    /// cross-entropy: softmax cross-entropy on class labels (optionally smoothed). mse: mean squared error, against
    /// one-hot targets for classification. half-sse: the notes' 1/2 sum_k (x_k - y_k)^2 per example (MISSION 3),
    /// averaged over the batch, against one-hot targets for classification.
    /// </summary>
    /// <param name="classes">The number of classes for classification, null for regression.</param>
    public static LossFunction Create(string name, int? classes, double labelSmoothing = 0) => name switch
    {
        "cross-entropy" when classes is null => throw new ArgumentException("the cross-entropy loss needs class labels; use mse for regression."),
        "cross-entropy" => (output, labels) => Losses.SoftmaxCrossEntropy(output, labels, Reduction.Mean, labelSmoothing),
        "mse" => (output, target) => Losses.MeanSquaredError(output, Target(output, target, classes)),
        "half-sse" => (output, target) => Losses.HalfSquaredError(output, Target(output, target, classes)),
        _ => throw new ArgumentException($"unknown loss '{name}'; use one of {string.Join(", ", Names)}."),
    };

    // One-hot vectors for class labels; regression targets shaped like the output.
    private static Tensor Target(Variable output, Tensor target, int? classes) =>
        classes is int c ? Tensor.OneHot(target, c, output.DType) : target.Reshape(output.Shape);
}

namespace ChainRule.NN;

/// <summary>How per-example (or per-element) losses combine into one number.</summary>
public enum Reduction
{
    Mean,
    Sum,
    /// <summary>No reduction: one loss per example.</summary>
    None,
}

/// <summary>
/// Loss functions. Classification losses take Int64 (or Int32) class indices (batch), or float class
/// probabilities (batch, classes) for soft targets, as torch.nn.functional.cross_entropy; regression losses
/// take a target of the prediction's shape.
/// </summary>
public static class Losses
{
    /// <summary>
    /// Cross-entropy of softmax(logits) against the targets, fused and stable: logits (batch, classes); targets either
    /// class indices (batch) of type Int64 or Int32, or probabilities (batch, classes) in a floating type. With
    /// labelSmoothing e the target puts 1 - e + e/C on the label (or mixes the probabilities with the uniform e/C).
    /// </summary>
    public static Variable SoftmaxCrossEntropy(Variable logits, Tensor targets, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (labelSmoothing is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "cross_entropy: label smoothing must be in [0, 1].");
        }
        bool indices = targets.DType is DType.Int64 or DType.Int32;
        bool probabilities = targets.DType.IsFloatingPoint() && targets.Rank == 2;
        if (logits.Rank != 2 || !(indices || probabilities) || targets.Shape[0] != logits.Shape[0]
            || (indices && targets.Rank != 1) || (probabilities && targets.Shape != logits.Shape))
        {
            throw new ArgumentException(targets.DType.IsFloatingPoint() && targets.Rank == 1
                ? $"cross_entropy: class-index targets must be Int64 or Int32, got {targets.DType.Name()} {targets.Shape}; convert with .To(DType.Int64) (float targets are probabilities of shape (batch, classes))."
                : $"cross_entropy: logits {logits.Shape} and targets {targets.DType.Name()} {targets.Shape}: expected (batch, classes) with Int64 (batch,) class indices or float (batch, classes) probabilities.");
        }
        int classes = logits.Shape[1];
        Tensor q = indices ? Tensor.OneHot(targets, classes, logits.DType) : targets.To(logits.DType);
        if (labelSmoothing > 0)
        {
            q = (q * (1 - labelSmoothing)) + (labelSmoothing / classes);
        }
        return Reduce(new Functions.SoftmaxCrossEntropy(q).Apply(logits), reduction);
    }

    /// <summary>Mean (or sum) over all elements of (prediction - target)^2, as torch.nn.MSELoss.</summary>
    public static Variable MeanSquaredError(Variable prediction, Variable target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(prediction, target, "mse");
        Variable squared = F.Square(prediction - target);
        return reduction == Reduction.None ? squared : Reduce(F.Flatten(squared), reduction);
    }

    /// <summary>
    /// The notes' loss (MISSION 3): L_n = 1/2 sum_k (x_k - y_k)^2 per example over the last axis, then the mean
    /// (or sum) over the batch.
    /// </summary>
    public static Variable HalfSquaredError(Variable prediction, Variable target, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(prediction, target, "half_squared_error");
        return Reduce(0.5 * F.Sum(F.Square(prediction - target), -1), reduction);
    }

    /// <summary>
    /// Binary cross-entropy of sigmoid(logits) against targets in [0, 1], stable for any logit:
    /// softplus(x) - x y = max(x, 0) - x y + ln(1 + e^-|x|).
    /// </summary>
    public static Variable BinaryCrossEntropyWithLogits(Variable logits, Variable targets, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape(logits, targets, "binary_cross_entropy_with_logits");
        Variable losses = F.Softplus(logits) - (logits * targets);
        return reduction == Reduction.None ? losses : Reduce(F.Flatten(losses), reduction);
    }

    private static Variable Reduce(Variable losses, Reduction reduction) => reduction switch
    {
        Reduction.Mean => F.Mean(losses),
        Reduction.Sum => F.Sum(losses),
        Reduction.None => losses,
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction"),
    };

    private static void CheckSameShape(Variable prediction, Variable target, string op)
    {
        if (prediction.Shape != target.Shape)
        {
            throw new ArgumentException($"{op}: prediction {prediction.Shape} and target {target.Shape} differ in shape.");
        }
    }
}

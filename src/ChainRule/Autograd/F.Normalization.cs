namespace ChainRule;

// Normalization, as compositions of differentiable ops (their gradients, of any order, follow from those).
public static partial class F
{
    /// <summary>
    /// torch.nn.functional.batch_norm over axis 1 of (N, C, ...): in training, the batch's mean and biased variance
    /// over every other axis normalize x, and the running statistics (updated in place when given) move by momentum
    /// toward the batch mean and the unbiased variance; in evaluation the running statistics normalize x.
    /// </summary>
    public static Variable BatchNorm(Variable x, Tensor? runningMean, Tensor? runningVar, Variable? weight, Variable? bias,
        bool training, double momentum = 0.1, double eps = 1e-5, Tensor? numBatchesTracked = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2 || !x.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"batch_norm: input {x.Shape} {x.DType.Name()} must be a floating-point (N, C, ...) tensor.");
        }
        int channels = x.Shape[1];
        int[] axes = [0, .. Enumerable.Range(2, x.Rank - 2)];
        int[] keep = [1, channels, .. Enumerable.Repeat(1, x.Rank - 2)];
        if (training || runningMean is null || runningVar is null)
        {
            int count = x.Size / channels;
            if (training && count < 2)
            {
                throw new ArgumentException($"batch_norm: input {x.Shape} has one value per channel; training needs more than one to estimate a variance.");
            }
            if ((weight is null) != (bias is null))
            {
                // the fused op takes both or neither; one alone is the composition
                Variable plain = new Functions.BatchNormTraining(eps).Apply(x);
                return weight is not null ? plain * Reshape(weight, keep) : plain + Reshape(bias!, keep);
            }
            var op = new Functions.BatchNormTraining(eps);
            Variable y = weight is null ? op.Apply(x) : op.Apply(x, weight, bias!);
            if (training && runningMean is not null && runningVar is not null)
            {
                Tensor batchMean = Tensor.FromArray(op.BatchMean, [channels]).To(runningMean.DType);
                Tensor unbiased = (Tensor.FromArray(op.BatchVariance, [channels]) * (count / (double)(count - 1))).To(runningVar.DType);
                runningMean.CopyFrom((runningMean * (1 - momentum)) + (batchMean * momentum));
                runningVar.CopyFrom((runningVar * (1 - momentum)) + (unbiased * momentum));
                numBatchesTracked?.CopyFrom(numBatchesTracked + 1L);
            }
            return y;
        }
        // evaluation: one multiply and one add per element, with the per-channel scale and shift folded first
        Tensor mean = runningMean.Reshape(keep).To(x.DType);
        Tensor invStd = 1.0 / Tensor.Sqrt(runningVar.Reshape(keep).To(x.DType) + eps);
        Variable scale = weight is null ? invStd : Reshape(weight, keep) * invStd;
        Variable shift = bias is null ? -(mean * scale) : Reshape(bias, keep) - (mean * scale);
        return (x * scale) + shift;
    }

    /// <summary>torch.nn.functional.layer_norm over the trailing axes of shape <paramref name="normalizedShape"/> (biased variance).</summary>
    public static Variable LayerNorm(Variable x, Shape normalizedShape, Variable? weight = null, Variable? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(x);
        int k = normalizedShape.Rank;
        if (k == 0 || k > x.Rank || x.Shape.Dims[^k..].ToArray().SequenceEqual(normalizedShape.Dims.ToArray()) is false)
        {
            throw new ArgumentException($"layer_norm: input {x.Shape} does not end in the normalized shape {normalizedShape}.");
        }
        int[] axes = [.. Enumerable.Range(x.Rank - k, k)];
        Variable mean = Mean(x, axes, keepDims: true);
        Variable centered = x - mean;
        Variable normalized = centered / Sqrt(Mean(centered * centered, axes, keepDims: true) + eps);
        if (weight is not null)
        {
            normalized *= weight;
        }
        return bias is null ? normalized : normalized + bias;
    }
}

using System.Numerics.Tensors;
using ChainRule.NN;

namespace ChainRule.Optim;

public static class GradientClipping
{
    /// <summary>The global L2 norm of every gradient, sqrt(sum of every squared element); parameters without a gradient count as zero.</summary>
    public static double GlobalNorm(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sumOfSquares = 0;
        foreach (Parameter p in parameters)
        {
            if (p.GradValue is Variable grad)
            {
                sumOfSquares += SumOfSquares(grad.Data);
            }
        }
        return Math.Sqrt(sumOfSquares);
    }

    private static double SumOfSquares(Tensor gradient)
    {
        Tensor g = gradient.Contiguous();
        if (g.DType != DType.Float32)
        {
            return TensorPrimitives.SumOfSquares<double>(g.AsSpan<double>());
        }
        ReadOnlySpan<float> values = g.AsSpan<float>();
        float sum = TensorPrimitives.SumOfSquares(values);
        if (!float.IsPositiveInfinity(sum))
        {
            return sum;
        }
        // finite values above ~1.8e19 square past float's range: rescale by the largest magnitude, sum in double
        double max = Math.Abs((double)TensorPrimitives.MaxMagnitude(values));
        if (!double.IsFinite(max))
        {
            return max;
        }
        double scaled = 0;
        foreach (float v in values)
        {
            double r = v / max;
            scaled += r * r;
        }
        return scaled * max * max;
    }

    /// <summary>
    /// Scales all gradients by maxNorm / total when their global L2 norm, total = sqrt(sum of every squared element),
    /// exceeds maxNorm (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping.
    /// </summary>
    public static double ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        Parameter[] withGrad = parameters.Where(p => p.GradValue is not null).ToArray();
        double sumOfSquares = 0;
        foreach (Parameter p in withGrad)
        {
            sumOfSquares += SumOfSquares(p.GradValue!.Data);
        }
        double total = Math.Sqrt(sumOfSquares);
        if (total > maxNorm)
        {
            // NOTE: new gradient tensors, not in-place scaling: a gradient tensor may be shared (Add sends the
            // same gy to both inputs), and scaling it in place would scale it twice.
            double scale = maxNorm / (total + 1e-6);
            foreach (Parameter p in withGrad)
            {
                p.GradValue = new Variable(p.GradValue!.Data * scale, requiresGrad: false);
            }
        }
        return total;
    }
}

using System.Numerics.Tensors;
using ChainRule.NN;

namespace ChainRule.Optim;

public static class GradientClipping
{
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
            Tensor g = p.GradValue!.Data.Contiguous();
            sumOfSquares += g.DType == DType.Float32 ? TensorPrimitives.SumOfSquares(g.AsSpan<float>()) : TensorPrimitives.SumOfSquares<double>(g.AsSpan<double>());
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

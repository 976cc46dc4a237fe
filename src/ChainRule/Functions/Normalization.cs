using ChainRule.Kernels;

namespace ChainRule.Functions;

/// <summary>
/// Batch normalization with the batch's statistics over every axis but 1: y = xhat * w + b, xhat = (x - mean) / sqrt(var + eps)
/// (biased variance). Inputs: x, or x, w, b. Forward and the usual backward pass are the fused kernels of
/// Kernels/Normalization.cs; when the backward pass is itself differentiated, the same gradients come from differentiable ops:
/// gx = w / sqrt(var + eps) * (gy - mean(gy) - xhat * mean(gy * xhat)), gw = sum(gy * xhat), gb = sum(gy).
/// The Jacobian in x is symmetric, so the tangent in x is that same formula applied to dx.
/// </summary>
internal sealed class BatchNormTraining(double eps) : Function
{
    private double[] _mean = [], _invStd = [];

    /// <summary>The batch mean per channel, after Forward (for the running estimate).</summary>
    public double[] BatchMean => _mean;

    /// <summary>The biased batch variance per channel, after Forward.</summary>
    public double[] BatchVariance { get; private set; } = [];

    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        Tensor input = x[0].Contiguous();
        (int n, int c, int s) = Layout(input.Shape);
        _mean = new double[c];
        BatchVariance = new double[c];
        Tensor y = Tensor.Uninitialized(input.Shape, input.DType);
        if (input.DType == DType.Float32)
        {
            Run<float>(input, x.Length == 3 ? x[1].To(DType.Float32).Contiguous() : null, x.Length == 3 ? x[2].To(DType.Float32).Contiguous() : null, y);
        }
        else
        {
            Run<double>(input, x.Length == 3 ? x[1].To(DType.Float64).Contiguous() : null, x.Length == 3 ? x[2].To(DType.Float64).Contiguous() : null, y);
        }
        return y;

        void Run<T>(Tensor input, Tensor? w, Tensor? b, Tensor y) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            Normalization.Statistics<T>(input.AsSpan<T>(), n, c, s, _mean, BatchVariance);
            _invStd = [.. BatchVariance.Select(v => 1 / Math.Sqrt(v + eps))];
            Normalization.Normalize<T>(input.AsSpan<T>(), n, c, s, _mean, _invStd, w is null ? [] : w.AsSpan<T>(), b is null ? [] : b.AsSpan<T>(), y.AsSpan<T>());
        }
    }

    protected internal override Variable?[] Backward(Variable gy)
    {
        bool affine = Inputs.Length == 3;
        if (BackwardIsDifferentiated)
        {
            (Variable xhat, Variable invStd, int[] axes, int[] keep) = Composite();
            Variable scale = affine ? F.Reshape(Inputs[1], keep) * invStd : invStd;
            Variable gx = scale * (gy - F.Mean(gy, axes, keepDims: true) - (xhat * F.Mean(gy * xhat, axes, keepDims: true)));
            return affine
                ? [NeedsGrad(0) ? gx : null, NeedsGrad(1) ? F.Sum(gy * xhat, axes) : null, NeedsGrad(2) ? F.Sum(gy, axes) : null]
                : [gx];
        }
        Tensor x = Inputs[0].Data.Contiguous(), g = gy.Data.To(x.DType).Contiguous();
        (int n, int c, int s) = Layout(x.Shape);
        Tensor gradX = Tensor.Uninitialized(x.Shape, x.DType);
        Tensor gradW = Tensor.Uninitialized(new Shape(c), x.DType), gradB = Tensor.Uninitialized(new Shape(c), x.DType);
        if (x.DType == DType.Float32)
        {
            Run<float>();
        }
        else
        {
            Run<double>();
        }
        static Variable Constant(Tensor t) => new(t, requiresGrad: false);
        return affine
            ? [NeedsGrad(0) ? Constant(gradX) : null, NeedsGrad(1) ? Constant(gradW) : null, NeedsGrad(2) ? Constant(gradB) : null]
            : [Constant(gradX)];

        void Run<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            Normalization.Backward<T>(x.AsSpan<T>(), g.AsSpan<T>(), n, c, s, _mean, _invStd,
                affine ? Inputs[1].Data.To(x.DType).Contiguous().AsSpan<T>() : [], gradX.AsSpan<T>(), gradW.AsSpan<T>(), gradB.AsSpan<T>());
    }

    protected internal override Variable? Jvp(int i, Variable dx)
    {
        (Variable xhat, Variable invStd, int[] axes, int[] keep) = Composite();
        return i switch
        {
            0 => (Inputs.Length == 3 ? F.Reshape(Inputs[1], keep) * invStd : invStd)
                * (dx - F.Mean(dx, axes, keepDims: true) - (xhat * F.Mean(dx * xhat, axes, keepDims: true))),
            1 => xhat * F.Reshape(dx, keep),
            _ => F.Reshape(dx, keep), // the engine broadcasts it over the other axes
        };
    }

    // xhat and 1 / sqrt(var + eps) from differentiable ops, for the differentiated backward pass and the tangents.
    private (Variable Xhat, Variable InvStd, int[] Axes, int[] Keep) Composite()
    {
        Variable x = Inputs[0];
        int[] axes = [0, .. Enumerable.Range(2, x.Rank - 2)];
        int[] keep = [1, x.Shape[1], .. Enumerable.Repeat(1, x.Rank - 2)];
        Variable centered = x - F.Mean(x, axes, keepDims: true);
        Variable invStd = 1.0 / F.Sqrt(F.Mean(centered * centered, axes, keepDims: true) + eps);
        return (centered * invStd, invStd, axes, keep);
    }

    private static (int N, int C, int S) Layout(Shape shape) => (shape[0], shape[1], shape.Size / Math.Max(1, shape[0] * shape[1]));
}

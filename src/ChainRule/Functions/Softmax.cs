namespace ChainRule.Functions;

// Softmax family along one axis. Forward kernels subtract the row maximum (stable at logits of +-1000).
// Dedicated Functions rather than compositions of exp and sum: the composed form overflows.

/// <summary>y = e^x / sum e^x along axis. gx = y * (gy - sum(gy * y, axis)); dy = y * (dx - sum(dx * y, axis)) (J is symmetric).</summary>
internal sealed class Softmax(int axis) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Softmax(x[0], axis);
    protected internal override Variable?[] Backward(Variable gy) =>
        [Output * (gy - F.Sum(gy * Output, [axis], keepDims: true))];
    protected internal override Variable? Jvp(int i, Variable dx) => Output * (dx - F.Sum(dx * Output, [axis], keepDims: true));
}

/// <summary>y = x - ln sum e^x along axis. gx = gy - e^y * sum(gy, axis); dy = dx - sum(e^y * dx, axis).</summary>
internal sealed class LogSoftmax(int axis) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.LogSoftmax(x[0], axis);
    protected internal override Variable?[] Backward(Variable gy) =>
        [gy - (F.Exp(Output) * F.Sum(gy, [axis], keepDims: true))];
    protected internal override Variable? Jvp(int i, Variable dx) => dx - F.Sum(F.Exp(Output) * dx, [axis], keepDims: true);
}

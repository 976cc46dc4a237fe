namespace ChainRule.Functions;

/// <summary>
/// Y = A B, batched over leading axes (both operands at least 2-d; F.MatMul handles 1-d ones).
/// gA = gY B^T, gB = A^T gY (MISSION 2.1), transposing the last two axes; the engine sums broadcast batch axes.
/// </summary>
internal sealed class MatMul : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.MatMul(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) =>
    [
        NeedsGrad(0) ? F.MatMul(gy, Inputs[1].Transpose(-2, -1)) : null,
        NeedsGrad(1) ? F.MatMul(Inputs[0].Transpose(-2, -1), gy) : null,
    ];
}

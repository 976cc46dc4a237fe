namespace ChainRule.Functions;

/// <summary>
/// Y = A B, batched over leading axes (both operands at least 2-d; F.MatMul handles 1-d ones).
/// gA = gY B^T, gB = A^T gY (MISSION 2.1), transposing the last two axes; the engine sums broadcast batch axes.
/// dY = dA B + A dB (the product rule); the engine broadcasts a share to Y's batch axes.
/// </summary>
internal sealed class MatMul : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.MatMul(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) =>
    [
        NeedsGrad(0) ? F.MatMul(gy, Inputs[1].Transpose(-2, -1)) : null,
        NeedsGrad(1) ? F.MatMul(Inputs[0].Transpose(-2, -1), gy) : null,
    ];

    protected internal override Variable? Jvp(int i, Variable dx) => i == 0 ? F.MatMul(dx, Inputs[1]) : F.MatMul(Inputs[0], dx);
}

/// <summary>
/// y = x W^T + b (a fully connected layer), x (batch, in), W (out, in), b (out), optional.
/// gx = gy W, gW = gy^T x, gb = sum of gy over the batch; dy = dx W^T + x dW^T + db. One node instead of
/// Transpose, MatMul and a broadcast Add: fewer tensors per step, and GEMM reads W^T by packing, never by copying.
/// </summary>
internal sealed class Linear : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Linear(x[0], x[1], x.Length == 3 ? x[2] : null);

    protected internal override Variable?[] Backward(Variable gy)
    {
        Variable x = Inputs[0], w = Inputs[1];
        return
        [
            NeedsGrad(0) ? F.MatMul(gy, w) : null,
            NeedsGrad(1) ? F.MatMul(gy.T, x) : null,
            Inputs.Length == 3 && NeedsGrad(2) ? F.Sum(gy, 0) : null,
        ];
    }

    protected internal override Variable? Jvp(int i, Variable dx) => i switch
    {
        0 => F.Linear(dx, Inputs[1]),
        1 => F.Linear(Inputs[0], dx),
        _ => dx, // the engine broadcasts db over the batch
    };
}

namespace ChainRule.Functions;

/// <summary>
/// Per-example softmax cross-entropy of logits x (batch, classes) against target distributions q (batch, classes),
/// q = (1 - smoothing) onehot(label) + smoothing / classes: y_i = ln sum_c e^(x_ic) - sum_c q_ic x_ic.
/// gx = (softmax(x) - q) * gy_i; dy_i = sum_c (softmax(x) - q)_ic dx_ic. One node, computed from log-softmax,
/// so no exp overflows: composing Log(Softmax(x)) underflows to ln 0 = -inf for very negative logits.
/// </summary>
internal sealed class SoftmaxCrossEntropy(Tensor targets) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => -(targets * Tensor.LogSoftmax(x[0], 1)).Sum(1);

    protected internal override Variable?[] Backward(Variable gy) =>
        [(F.Softmax(Inputs[0], 1) - targets) * F.Unsqueeze(gy, 1)];

    protected internal override Variable? Jvp(int i, Variable dx) => F.Sum((F.Softmax(Inputs[0], 1) - targets) * dx, 1);
}

namespace ChainRule.Functions;

/// <summary>
/// Per-example softmax cross-entropy of logits x (batch, classes) against target distributions q (batch, classes),
/// q = (1 - smoothing) onehot(label) + smoothing / classes: y_i = ln sum_c e^(x_ic) - sum_c q_ic x_ic.
/// gx = (softmax(x) - q) * gy_i; dy_i = sum_c (softmax(x) - q)_ic dx_ic. One node, computed from log-softmax,
/// so no exp overflows: composing Log(Softmax(x)) underflows to ln 0 = -inf for very negative logits.
/// </summary>
internal sealed class SoftmaxCrossEntropy(Tensor targets) : Function
{
    private Tensor? _probabilities; // softmax(x), a by-product of the fused forward pass

    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        (Tensor losses, _probabilities) = Tensor.SoftmaxCrossEntropy(x[0], targets);
        return losses;
    }

    // Without a graph to record (the usual backward pass) one fused kernel; with createGraph, the same
    // formula from differentiable ops, so the gradient can be differentiated again.
    protected internal override Variable?[] Backward(Variable gy) => BackwardIsDifferentiated
        ? [(F.Softmax(Inputs[0], 1) - targets) * F.Unsqueeze(gy, 1)]
        : [new Variable(Tensor.SoftmaxCrossEntropyBackward(_probabilities!, targets, gy.Data), requiresGrad: false)];

    protected internal override Variable? Jvp(int i, Variable dx) => F.Sum((F.Softmax(Inputs[0], 1) - targets) * dx, 1);
}

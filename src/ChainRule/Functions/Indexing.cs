namespace ChainRule.Functions;

// Index-based selection and its adjoint, scattering back. Indices are constant tensors, so every op here is
// linear in x: its forward-mode rule is the op itself applied to dx.

/// <summary>y = x gathered along axis by index (torch.gather). gx = gy scatter-added into zeros(x.shape).</summary>
internal sealed class Gather(int axis, Tensor index) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Gather(axis, index);
    protected internal override Variable?[] Backward(Variable gy) => [new GatherGrad(Inputs[0].Shape, axis, index).Apply(gy)];
    protected internal override Variable? Jvp(int i, Variable dx) => F.Gather(dx, axis, index);
}

/// <summary>y = zeros(shape) with x scatter-added at index along axis. gx = gy gathered at index.</summary>
internal sealed class GatherGrad(Shape shape, int axis, Tensor index) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Zeros(shape, x[0].DType).ScatterAdd(axis, index, x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [F.Gather(gy, axis, index)];
    protected internal override Variable? Jvp(int i, Variable dx) => new GatherGrad(shape, axis, index).Apply(dx);
}

/// <summary>y = slices of x at indices along axis (numpy.take). gx = gy added at those slices of zeros(x.shape).</summary>
internal sealed class Take(Tensor indices, int axis) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Take(indices, axis);
    protected internal override Variable?[] Backward(Variable gy) => [new TakeGrad(Inputs[0].Shape, indices, axis).Apply(gy)];
    protected internal override Variable? Jvp(int i, Variable dx) => F.Take(dx, indices, axis);
}

/// <summary>y = zeros(shape) with the slices of x added at indices along axis. gx = gy taken at indices.</summary>
internal sealed class TakeGrad(Shape shape, Tensor indices, int axis) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Zeros(shape, x[0].DType).IndexAdd(indices, axis, x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [F.Take(gy, indices, axis)];
    protected internal override Variable? Jvp(int i, Variable dx) => new TakeGrad(shape, indices, axis).Apply(dx);
}

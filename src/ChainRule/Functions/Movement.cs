namespace ChainRule.Functions;

// Movement: the same numbers, addressed differently (tinygrad's movement ops). Each backward moves gy back;
// each forward-mode rule moves dx the way Forward moves x.

/// <summary>y = x in a new shape. gx = gy in the shape of x; dy = dx in the new shape.</summary>
internal sealed class Reshape(Shape shape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Reshape(shape);
    protected internal override Variable?[] Backward(Variable gy) => [F.Reshape(gy, Inputs[0].Shape)];
    protected internal override Variable? Jvp(int i, Variable dx) => F.Reshape(dx, shape);
}

/// <summary>y = x with axes reordered (axis i of y is axis axes[i] of x). gx = gy with the inverse order; dy = dx reordered.</summary>
internal sealed class Permute(int[] axes) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Permute(axes);
    protected internal override Variable?[] Backward(Variable gy)
    {
        var inverse = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            inverse[Shape.NormalizeAxis(axes[i], axes.Length, "permute")] = i;
        }
        return [F.Permute(gy, inverse)];
    }

    protected internal override Variable? Jvp(int i, Variable dx) => F.Permute(dx, axes);
}

/// <summary>y = x[start:end:step] along axis. gx = gy added at those positions of zeros(x.shape); dy = dx[start:end:step].</summary>
internal sealed class Slice(int axis, int start, int end, int step) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Slice(axis, start, end, step);
    protected internal override Variable?[] Backward(Variable gy)
    {
        Shape shape = Inputs[0].Shape;
        int dim = shape[axis];
        int first = Math.Clamp(start < 0 ? start + dim : start, 0, dim);
        Tensor positions = Tensor.Arange(first, first + (gy.Shape[axis] * step), step, DType.Int64);
        return [new TakeGrad(shape, positions, axis).Apply(gy)];
    }

    protected internal override Variable? Jvp(int i, Variable dx) => F.Slice(dx, axis, start, end, step);
}

/// <summary>y = x0, x1, ... joined along axis. gx_i = the slice of gy that x_i filled; dy = dx_i in that slice, 0 elsewhere.</summary>
internal sealed class Concat(int axis) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Concat(x.ToArray(), axis);
    protected internal override Variable?[] Backward(Variable gy)
    {
        var gx = new Variable?[Inputs.Length];
        int start = 0;
        for (int i = 0; i < gx.Length; i++)
        {
            int size = Inputs[i].Shape[axis];
            gx[i] = F.Slice(gy, axis, start, start + size);
            start += size;
        }
        return gx;
    }

    // NOTE: each share is y-sized, so k inputs with tangents cost k y-sized tensors (stacking many tangents is quadratic).
    protected internal override Variable? Jvp(int i, Variable dx)
    {
        int start = 0;
        for (int j = 0; j < i; j++)
        {
            start += Inputs[j].Shape[axis];
        }
        return new TakeGrad(Output.Shape, Tensor.Arange(start, start + dx.Shape[axis], 1, DType.Int64), axis).Apply(dx);
    }
}

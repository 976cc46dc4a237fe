namespace ChainRule.Functions;

// Reductions and their inverses. axes == null means every axis.

/// <summary>y = sum of x over axes. gx = gy broadcast back to the shape of x; dy = sum of dx over axes.</summary>
internal sealed class Sum(int[]? axes, bool keepDims) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Sum(axes, keepDims);
    protected internal override Variable?[] Backward(Variable gy) =>
        [F.BroadcastTo(Reduced.KeepDims(gy, Inputs[0].Shape, axes), Inputs[0].Shape)];
    protected internal override Variable? Jvp(int i, Variable dx) => F.Sum(dx, axes, keepDims);
}

/// <summary>y = max of x over axes. gx = gy at the maxima (split evenly between ties), 0 elsewhere; dy = dx at the maxima (ties: the mean).</summary>
internal sealed class Max(int[]? axes, bool keepDims) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Max(axes, keepDims);
    protected internal override Variable?[] Backward(Variable gy) => [Reduced.ToExtrema(gy, Inputs[0], Output, axes)];
    protected internal override Variable? Jvp(int i, Variable dx) => Reduced.FromExtrema(dx, Inputs[0], Output, axes, keepDims);
}

/// <summary>y = min of x over axes. gx = gy at the minima (split evenly between ties), 0 elsewhere; dy = dx at the minima (ties: the mean).</summary>
internal sealed class Min(int[]? axes, bool keepDims) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Min(axes, keepDims);
    protected internal override Variable?[] Backward(Variable gy) => [Reduced.ToExtrema(gy, Inputs[0], Output, axes)];
    protected internal override Variable? Jvp(int i, Variable dx) => Reduced.FromExtrema(dx, Inputs[0], Output, axes, keepDims);
}

/// <summary>y = x repeated along broadcast axes. gx = gy summed back to the shape of x; dy = dx broadcast.</summary>
internal sealed class BroadcastTo(Shape shape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].BroadcastTo(shape);
    protected internal override Variable?[] Backward(Variable gy) => [F.SumTo(gy, Inputs[0].Shape)];
    protected internal override Variable? Jvp(int i, Variable dx) => F.BroadcastTo(dx, shape);
}

/// <summary>y = x summed down to shape (the inverse of BroadcastTo). gx = gy broadcast back; dy = dx summed down.</summary>
internal sealed class SumTo(Shape shape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].SumTo(shape);
    protected internal override Variable?[] Backward(Variable gy) => [F.BroadcastTo(gy, Inputs[0].Shape)];
    protected internal override Variable? Jvp(int i, Variable dx) => F.SumTo(dx, shape);
}

internal static class Reduced
{
    /// <summary>gy reshaped as if the reduction had kept its axes (size 1), so it broadcasts against x.</summary>
    public static Variable KeepDims(Variable gy, Shape xShape, int[]? axes)
    {
        int[] dims = xShape.ToArray();
        for (int i = 0; i < dims.Length; i++)
        {
            if (axes is null || axes.Any(a => Shape.NormalizeAxis(a, dims.Length, "sum") == i))
            {
                dims[i] = 1;
            }
        }
        return gy.Shape == new Shape(dims) ? gy : F.Reshape(gy, dims);
    }

    // gx = gy * share: gy sent to the extrema of each reduced group.
    public static Variable ToExtrema(Variable gy, Variable x, Variable y, int[]? axes) =>
        F.BroadcastTo(KeepDims(gy, x.Shape, axes), x.Shape) * Share(x, y, axes);

    // dy = sum of dx * share over axes: the mean of dx over the extrema of each reduced group.
    public static Variable FromExtrema(Variable dx, Variable x, Variable y, int[]? axes, bool keepDims) =>
        F.Sum(dx * Share(x, y, axes), axes, keepDims);

    // share = mask / count, mask = [x == y] (y broadcast), count = number of extrema per reduced group.
    private static Tensor Share(Variable x, Variable y, int[]? axes)
    {
        Tensor mask = Tensor.Equal(x.Data, KeepDims(y.Data, x.Shape, axes).Data).To(x.DType); // y.Data: a constant, no graph
        return mask / mask.Sum(axes, keepDims: true);
    }
}

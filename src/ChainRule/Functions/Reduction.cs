namespace ChainRule.Functions;

// Reductions and their inverses. axes == null means every axis.

/// <summary>y = sum of x over axes. gx = gy broadcast back to the shape of x.</summary>
internal sealed class Sum(int[]? axes, bool keepDims) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Sum(axes, keepDims);
    protected internal override Variable?[] Backward(Variable gy) =>
        [F.BroadcastTo(Reduced.KeepDims(gy, Inputs[0].Shape, axes), Inputs[0].Shape)];
}

/// <summary>y = max of x over axes. gx = gy at the maxima (split evenly between ties), 0 elsewhere.</summary>
internal sealed class Max(int[]? axes, bool keepDims) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Max(axes, keepDims);
    protected internal override Variable?[] Backward(Variable gy) => [Reduced.ToExtrema(gy, Inputs[0], Output, axes)];
}

/// <summary>y = min of x over axes. gx = gy at the minima (split evenly between ties), 0 elsewhere.</summary>
internal sealed class Min(int[]? axes, bool keepDims) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].Min(axes, keepDims);
    protected internal override Variable?[] Backward(Variable gy) => [Reduced.ToExtrema(gy, Inputs[0], Output, axes)];
}

/// <summary>y = x repeated along broadcast axes. gx = gy summed back to the shape of x.</summary>
internal sealed class BroadcastTo(Shape shape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].BroadcastTo(shape);
    protected internal override Variable?[] Backward(Variable gy) => [F.SumTo(gy, Inputs[0].Shape)];
}

/// <summary>y = x summed down to shape (the inverse of BroadcastTo). gx = gy broadcast back.</summary>
internal sealed class SumTo(Shape shape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].SumTo(shape);
    protected internal override Variable?[] Backward(Variable gy) => [F.BroadcastTo(gy, Inputs[0].Shape)];
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

    // gx = gy * mask / count, mask = [x == y] (y broadcast), count = number of extrema per reduced group.
    public static Variable ToExtrema(Variable gy, Variable x, Variable y, int[]? axes)
    {
        Tensor extremum = KeepDims(y, x.Shape, axes).Data;
        Tensor mask = Tensor.Equal(x.Data, extremum);
        Tensor share = mask / mask.Sum(axes, keepDims: true);
        return F.BroadcastTo(KeepDims(gy, x.Shape, axes), x.Shape) * share;
    }
}

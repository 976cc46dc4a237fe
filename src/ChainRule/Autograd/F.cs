using ChainRule.Functions;

namespace ChainRule;

/// <summary>
/// Every differentiable operation on Variables, one entry each (the Functions live in Functions/).
/// Composite operations (Mean, Var, Stack, ...) are built from these, so they need no backward of their own.
/// Operations whose result is constant (comparisons, Sign, ArgMax, OneHot) return Variables without a graph.
/// </summary>
public static partial class F
{
    // ---- arithmetic (broadcasting) ---------------------------------------------------------

    public static Variable Add(Variable x, Variable y) => new Functions.Add().Apply(x, y);

    public static Variable Subtract(Variable x, Variable y) => new Functions.Subtract().Apply(x, y);

    public static Variable Multiply(Variable x, Variable y) => new Functions.Multiply().Apply(x, y);

    public static Variable Divide(Variable x, Variable y) => new Functions.Divide().Apply(x, y);

    public static Variable Negate(Variable x) => new Functions.Negate().Apply(x);

    public static Variable Pow(Variable x, double exponent) => new PowConstant(exponent).Apply(x);

    public static Variable Pow(Variable x, Variable exponent) => new Functions.Pow().Apply(x, exponent);

    public static Variable Square(Variable x) => x * x;

    public static Variable Maximum(Variable x, Variable y) => new Functions.Maximum().Apply(x, y);

    public static Variable Minimum(Variable x, Variable y) => new Functions.Minimum().Apply(x, y);

    // ---- unary math ------------------------------------------------------------------------

    public static Variable Exp(Variable x) => new Functions.Exp().Apply(x);

    public static Variable Log(Variable x) => new Functions.Log().Apply(x);

    public static Variable Sqrt(Variable x) => new Functions.Sqrt().Apply(x);

    public static Variable Abs(Variable x) => new Functions.Abs().Apply(x);

    public static Variable Sin(Variable x) => new Functions.Sin().Apply(x);

    public static Variable Cos(Variable x) => new Functions.Cos().Apply(x);

    /// <summary>arcsin x (NaN outside [-1, 1]).</summary>
    public static Variable Asin(Variable x) => new Functions.Asin().Apply(x);

    public static Variable Erf(Variable x) => new Functions.Erf().Apply(x);

    /// <summary>-1, 0 or 1 per element; constant (its derivative is 0 almost everywhere).</summary>
    public static Variable Sign(Variable x) => Constant(Tensor.Sign(x.Data));

    /// <summary>x converted to another element type (float32 or float64), differentiably.</summary>
    public static Variable To(Variable x, DType dtype) => x.DType == dtype ? x : new Cast(dtype).Apply(x);

    // ---- activations -----------------------------------------------------------------------

    public static Variable Tanh(Variable x) => new Functions.Tanh().Apply(x);

    public static Variable Sigmoid(Variable x) => new Functions.Sigmoid().Apply(x);

    public static Variable Relu(Variable x) => new Functions.Relu().Apply(x);

    public static Variable LeakyRelu(Variable x, double slope = 0.01) => new Functions.LeakyRelu(slope).Apply(x);

    /// <summary>The exact GELU: x * Phi(x), Phi the standard normal CDF.</summary>
    public static Variable Gelu(Variable x) => new Functions.Gelu().Apply(x);

    public static Variable Softplus(Variable x) => new Functions.Softplus().Apply(x);

    public static Variable Clamp(Variable x, double min, double max) => new Functions.Clamp(min, max).Apply(x);

    /// <summary>x where the Bool condition is true, else y; differentiable in x and y.</summary>
    public static Variable Where(Tensor condition, Variable x, Variable y) => new Functions.Where(condition).Apply(x, y);

    /// <summary>x with <paramref name="value"/> where the Bool mask (broadcast to x) is true; the gradient flows to the other elements.</summary>
    public static Variable MaskedFill(Variable x, Tensor mask, double value)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mask);
        if (Shape.Broadcast(mask.Shape, x.Shape, "masked_fill") != x.Shape)
        {
            throw new ArgumentException($"masked_fill: mask shape {mask.Shape} does not broadcast to {x.Shape}.");
        }
        return Where(mask, Constant(Tensor.Scalar(value, x.DType)), x);
    }

    /// <summary>The elements of x where the Bool mask (broadcast to x) is true, as a 1-d Variable; differentiable (a Take of the flattened x).</summary>
    public static Variable MaskedSelect(Variable x, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(x);
        Tensor positions = Tensor.Arange(0, x.Size, 1, DType.Int64).Reshape(x.Shape).MaskedSelect(mask);
        return Take(Flatten(x), positions);
    }

    public static Variable Softmax(Variable x, int axis = -1) => new Functions.Softmax(axis).Apply(x);

    public static Variable LogSoftmax(Variable x, int axis = -1) => new Functions.LogSoftmax(axis).Apply(x);

    // ---- comparisons (constant Bool Variables: they cut the graph) ---------------------------

    public static Variable Equal(Variable x, Variable y) => Constant(Tensor.Equal(x.Data, y.Data));

    public static Variable NotEqual(Variable x, Variable y) => Constant(Tensor.NotEqual(x.Data, y.Data));

    public static Variable Less(Variable x, Variable y) => Constant(Tensor.Less(x.Data, y.Data));

    public static Variable LessEqual(Variable x, Variable y) => Constant(Tensor.LessEqual(x.Data, y.Data));

    public static Variable Greater(Variable x, Variable y) => Constant(Tensor.Greater(x.Data, y.Data));

    public static Variable GreaterEqual(Variable x, Variable y) => Constant(Tensor.GreaterEqual(x.Data, y.Data));

    // ---- reductions (axes null = all axes) ---------------------------------------------------

    public static Variable Sum(Variable x, int[]? axes = null, bool keepDims = false) => new Functions.Sum(axes, keepDims).Apply(x);

    public static Variable Sum(Variable x, int axis, bool keepDims = false) => Sum(x, [axis], keepDims);

    public static Variable Mean(Variable x, int[]? axes = null, bool keepDims = false) =>
        Sum(x, axes, keepDims) / ReducedCount(x.Shape, axes);

    public static Variable Mean(Variable x, int axis, bool keepDims = false) => Mean(x, [axis], keepDims);

    public static Variable Max(Variable x, int[]? axes = null, bool keepDims = false) => new Functions.Max(axes, keepDims).Apply(x);

    public static Variable Max(Variable x, int axis, bool keepDims = false) => Max(x, [axis], keepDims);

    public static Variable Min(Variable x, int[]? axes = null, bool keepDims = false) => new Functions.Min(axes, keepDims).Apply(x);

    public static Variable Min(Variable x, int axis, bool keepDims = false) => Min(x, [axis], keepDims);

    /// <summary>Variance over axes: sum of squared deviations / (N - ddof). NumPy's default ddof = 0.</summary>
    public static Variable Var(Variable x, int[]? axes = null, bool keepDims = false, int ddof = 0)
    {
        Variable deviation = x - Mean(x, axes, keepDims: true);
        return Sum(deviation * deviation, axes, keepDims) / (ReducedCount(x.Shape, axes) - ddof);
    }

    public static Variable Std(Variable x, int[]? axes = null, bool keepDims = false, int ddof = 0) => Sqrt(Var(x, axes, keepDims, ddof));

    /// <summary>ln sum e^x over axes, computed stably as m + ln sum e^(x - m), m = max x (held constant).</summary>
    public static Variable LogSumExp(Variable x, int[]? axes = null, bool keepDims = false)
    {
        Tensor m = x.Data.Max(axes, keepDims: true);
        Variable result = Log(Sum(Exp(x - m), axes, keepDims: true)) + m;
        return keepDims ? result : Reshape(result, x.Data.Max(axes, keepDims: false).Shape);
    }

    public static Variable ArgMax(Variable x, int? axis = null, bool keepDims = false) => Constant(x.Data.ArgMax(axis, keepDims));

    public static Variable ArgMin(Variable x, int? axis = null, bool keepDims = false) => Constant(x.Data.ArgMin(axis, keepDims));

    public static Variable BroadcastTo(Variable x, Shape shape) => x.Shape == shape ? x : new Functions.BroadcastTo(shape).Apply(x);

    public static Variable SumTo(Variable x, Shape shape) => x.Shape == shape ? x : new Functions.SumTo(shape).Apply(x);

    // ---- movement ----------------------------------------------------------------------------

    public static Variable Reshape(Variable x, params ReadOnlySpan<int> shape) => new Functions.Reshape(x.Data.InferShape(shape)).Apply(x);

    public static Variable Flatten(Variable x) => Reshape(x, x.Size);

    /// <summary>Reverses the axes (numpy .T).</summary>
    public static Variable Transpose(Variable x) => Permute(x, Enumerable.Range(0, x.Rank).Reverse().ToArray());

    public static Variable Transpose(Variable x, int axis0, int axis1)
    {
        int[] axes = Enumerable.Range(0, x.Rank).ToArray();
        int a = Shape.NormalizeAxis(axis0, x.Rank, "transpose"), b = Shape.NormalizeAxis(axis1, x.Rank, "transpose");
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Permute(x, axes);
    }

    public static Variable Permute(Variable x, params int[] axes) => new Functions.Permute(axes).Apply(x);

    public static Variable Slice(Variable x, int axis, int start, int end, int step = 1) =>
        new Functions.Slice(Shape.NormalizeAxis(axis, x.Rank, "slice"), start, end, step).Apply(x);

    /// <summary>The sub-tensor at index along axis, with that axis removed.</summary>
    public static Variable Select(Variable x, int axis, int index)
    {
        Tensor view = x.Data.Select(axis, index); // validates and gives the result's shape
        int a = Shape.NormalizeAxis(axis, x.Rank, "select");
        int k = index < 0 ? index + x.Shape[a] : index;
        return Reshape(Slice(x, a, k, k + 1), view.Shape);
    }

    public static Variable Squeeze(Variable x, int? axis = null) => Reshape(x, x.Data.Squeeze(axis).Shape);

    public static Variable Unsqueeze(Variable x, int axis) => Reshape(x, x.Data.Unsqueeze(axis).Shape);

    // ---- products ----------------------------------------------------------------------------

    /// <summary>Matrix product with NumPy semantics (1-d operands, batched broadcasting).</summary>
    public static Variable MatMul(Variable a, Variable b)
    {
        if (a.Rank == 0 || b.Rank == 0 || (a.Rank >= 2 && b.Rank >= 2))
        {
            return new Functions.MatMul().Apply(a, b);
        }
        Tensor.MatMulShape(a.Shape, b.Shape); // validates, naming both shapes as the user gave them
        Variable a2 = a.Rank == 1 ? Unsqueeze(a, 0) : a;
        Variable b2 = b.Rank == 1 ? Unsqueeze(b, 1) : b;
        Variable y = new Functions.MatMul().Apply(a2, b2);
        if (a.Rank == 1)
        {
            y = Squeeze(y, -2);
        }
        return b.Rank == 1 ? Squeeze(y, -1) : y;
    }

    /// <summary>y = x W^T + b for x (batch, in), W (out, in), b (out) or null: a fully connected layer in one node.</summary>
    public static Variable Linear(Variable x, Variable weight, Variable? bias = null)
    {
        if (x.Rank != 2 || weight.Rank != 2 || x.Shape[1] != weight.Shape[1] || (bias is not null && bias.Shape != new Shape(weight.Shape[0])))
        {
            throw new ArgumentException($"linear: x {x.Shape}, weight {weight.Shape}, bias {bias?.Shape.ToString() ?? "none"}: expected (batch, in), (out, in) and (out,).");
        }
        return bias is null ? new Functions.Linear().Apply(x, weight) : new Functions.Linear().Apply(x, weight, bias);
    }

    // ---- joining and indexing ------------------------------------------------------------------

    public static Variable Concat(IReadOnlyList<Variable> xs, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0)
        {
            throw new ArgumentException("concat: needs at least one tensor.", nameof(xs));
        }
        return new Functions.Concat(Shape.NormalizeAxis(axis, xs[0].Rank, "concat")).Apply([.. xs]);
    }

    public static Variable Stack(IReadOnlyList<Variable> xs, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0 || xs.Any(x => x.Shape != xs[0].Shape))
        {
            throw new ArgumentException($"stack: needs one or more tensors of one shape, got ({string.Join(", ", xs.Select(x => x.Shape))}).", nameof(xs));
        }
        int a = Shape.NormalizeAxis(axis, xs[0].Rank + 1, "stack");
        return Concat(xs.Select(x => Unsqueeze(x, a)).ToArray(), a);
    }

    public static Variable[] Split(Variable x, int[] sizes, int axis = 0)
    {
        Tensor[] parts = x.Data.Split(sizes, axis); // validates
        var result = new Variable[parts.Length];
        int start = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            result[i] = Slice(x, axis, start, start + sizes[i]);
            start += sizes[i];
        }
        return result;
    }

    /// <summary>torch.gather / numpy.take_along_axis: y[..., j, ...] = x[..., index[..., j, ...], ...].</summary>
    public static Variable Gather(Variable x, int axis, Tensor index) => new Functions.Gather(Shape.NormalizeAxis(axis, x.Rank, "gather"), index).Apply(x);

    /// <summary>numpy.take: whole slices of x at indices along axis.</summary>
    public static Variable Take(Variable x, Tensor indices, int axis = 0) => new Functions.Take(indices, Shape.NormalizeAxis(axis, x.Rank, "take")).Apply(x);

    public static Variable OneHot(Tensor labels, int classes, DType dtype = DType.Float32) => Constant(Tensor.OneHot(labels, classes, dtype));

    private static Variable Constant(Tensor t) => new(t, requiresGrad: false);

    private static int ReducedCount(Shape shape, int[]? axes)
    {
        if (axes is null)
        {
            return shape.Size;
        }
        int count = 1;
        foreach (int axis in axes)
        {
            count *= shape[axis];
        }
        return count;
    }
}

using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule;

// Reductions over any set of axes (null: all axes), with keepDims as in NumPy. As torch: Sum of integers
// or bools is Int64; Max and Min keep the type; Mean, Var and Std need a floating type; ArgMax and ArgMin
// return Int64 indices.
public sealed partial class Tensor
{
    public Tensor Sum(int[]? axes = null, bool keepDims = false) => Reduce<SumReduceOp>(axes, keepDims, "sum");

    public Tensor Sum(int axis, bool keepDims = false) => Sum([axis], keepDims);

    public Tensor Mean(int[]? axes = null, bool keepDims = false) =>
        DType.IsFloatingPoint() ? Sum(axes, keepDims) / (double)ReducedCount(axes)
        : throw new ArgumentException($"mean: {DType.Name()} input is not supported (as in torch); convert with .To(DType.Float32) first.");

    public Tensor Mean(int axis, bool keepDims = false) => Mean([axis], keepDims);

    /// <summary>Largest element over the axes. Empty reductions throw (there is no largest of nothing).</summary>
    public Tensor Max(int[]? axes = null, bool keepDims = false) => Reduce<MaxReduceOp>(axes, keepDims, "max");

    public Tensor Max(int axis, bool keepDims = false) => Max([axis], keepDims);

    public Tensor Min(int[]? axes = null, bool keepDims = false) => Reduce<MinReduceOp>(axes, keepDims, "min");

    public Tensor Min(int axis, bool keepDims = false) => Min([axis], keepDims);

    /// <summary>Variance: mean of squared deviations, divided by N - ddof (NumPy's default ddof = 0; torch's is 1).</summary>
    public Tensor Var(int[]? axes = null, bool keepDims = false, int ddof = 0)
    {
        if (!DType.IsFloatingPoint())
        {
            throw new ArgumentException($"var: {DType.Name()} input is not supported; convert with .To(DType.Float32) first.");
        }
        Tensor deviation = this - Mean(axes, keepDims: true);
        return (deviation * deviation).Sum(axes, keepDims) / (double)(ReducedCount(axes) - ddof);
    }

    public Tensor Std(int[]? axes = null, bool keepDims = false, int ddof = 0) => Sqrt(Var(axes, keepDims, ddof));

    /// <summary>Index of the largest element along <paramref name="axis"/> (first one on ties), or in the flattened tensor when axis is null.</summary>
    public Tensor ArgMax(int? axis = null, bool keepDims = false) => ArgExtremum(axis, keepDims, max: true);

    /// <summary>Index of the smallest element along <paramref name="axis"/>, or in the flattened tensor when axis is null.</summary>
    public Tensor ArgMin(int? axis = null, bool keepDims = false) => ArgExtremum(axis, keepDims, max: false);

    /// <summary>
    /// Sums this tensor down to <paramref name="shape"/>, the inverse of BroadcastTo: the reduction that
    /// carries a broadcast input's gradient back to the input's shape.
    /// </summary>
    public Tensor SumTo(Shape shape)
    {
        if (shape == Shape)
        {
            return this;
        }
        if (Shape.Broadcast(shape, Shape, "sum_to") != Shape)
        {
            throw new ArgumentException($"sum_to: shape {Shape} cannot be summed to {shape}.");
        }
        int lead = Rank - shape.Rank;
        var axes = new List<int>();
        for (int i = 0; i < Rank; i++)
        {
            if (i < lead || (shape.Dims[i - lead] == 1 && Shape.Dims[i] != 1))
            {
                axes.Add(i);
            }
        }
        return Sum([.. axes], keepDims: true).Reshape(shape);
    }

    private Tensor Reduce<TOp>(int[]? axes, bool keepDims, string op) where TOp : IReduceOp
    {
        bool[] reduced = ReducedAxes(axes, op);
        var kept = new List<int>(Rank);
        for (int i = 0; i < Rank; i++)
        {
            if (!reduced[i])
            {
                kept.Add(Shape.Dims[i]);
            }
            else if (keepDims)
            {
                kept.Add(1);
            }
            if (reduced[i] && Shape.Dims[i] == 0 && typeof(TOp) != typeof(SumReduceOp))
            {
                throw new ArgumentException($"{op}: cannot reduce axis {i} of size 0 (shape {Shape}).");
            }
        }
        bool sum = typeof(TOp) == typeof(SumReduceOp);
        Tensor source = (sum && !DType.IsFloatingPoint() ? To(DType.Int64) : DType == DType.Bool ? To(DType.UInt8) : this).Contiguous();
        var result = ZeroedForKernel(new Shape([.. kept]), source.DType);
        switch (source.DType)
        {
            case DType.Float32: Kernels.Reduce.Run<TOp, float>(source.AsSpan<float>(), Shape.Dims, reduced, result.AsSpan<float>()); break;
            case DType.Float64: Kernels.Reduce.Run<TOp, double>(source.AsSpan<double>(), Shape.Dims, reduced, result.AsSpan<double>()); break;
            case DType.Int32: Kernels.Reduce.Run<TOp, int>(source.AsSpan<int>(), Shape.Dims, reduced, result.AsSpan<int>()); break;
            case DType.Int64: Kernels.Reduce.Run<TOp, long>(source.AsSpan<long>(), Shape.Dims, reduced, result.AsSpan<long>()); break;
            default: Kernels.Reduce.Run<TOp, byte>(source.AsSpan<byte>(), Shape.Dims, reduced, result.AsSpan<byte>()); break;
        }
        return DType == DType.Bool && !sum ? result.To(DType.Bool) : result; // max/min of bools stay bool
    }

    private Tensor ArgExtremum(int? axis, bool keepDims, bool max)
    {
        string op = max ? "argmax" : "argmin";
        if (DType == DType.Bool)
        {
            throw new ArgumentException($"{op}: bool is not supported (as in torch); convert with .To(DType.UInt8) first.");
        }
        if (axis is null)
        {
            Tensor flat = Flatten().ArgExtremum(0, false, max);
            return keepDims ? flat.Reshape(Enumerable.Repeat(1, Rank).ToArray()) : flat;
        }
        int a = Shape.NormalizeAxis(axis.Value, Rank, op);
        int cols = Shape.Dims[a];
        if (cols == 0)
        {
            throw new ArgumentException($"{op}: axis {a} of shape {Shape} is empty.");
        }
        // The reduced axis last, the others in their order, so each row is one search and the rows are in the result's order.
        // NOTE: Transpose(a, Rank - 1) would also move the last axis to a, scrambling the rows when Rank >= 3.
        Tensor moved = Permute([.. Enumerable.Range(0, Rank).Where(i => i != a), a]).Contiguous();
        int rows = Size / cols;
        var result = new Tensor(new Shape(rows), DType.Int64);
        Span<long> d = result.AsSpan<long>();
        switch (moved.DType)
        {
            case DType.Float32: Kernels.Reduce.ArgExtremum<float>(moved.AsSpan<float>(), rows, cols, max, d); break;
            case DType.Float64: Kernels.Reduce.ArgExtremum<double>(moved.AsSpan<double>(), rows, cols, max, d); break;
            case DType.Int32: Kernels.Reduce.ArgExtremum<int>(moved.AsSpan<int>(), rows, cols, max, d); break;
            case DType.Int64: Kernels.Reduce.ArgExtremum<long>(moved.AsSpan<long>(), rows, cols, max, d); break;
            default: Kernels.Reduce.ArgExtremum<byte>(moved.AsSpan<byte>(), rows, cols, max, d); break;
        }
        int[] dims = Shape.ToArray();
        dims[a] = 1;
        Tensor shaped = result.Reshape(dims);
        return keepDims ? shaped : shaped.Squeeze(a);
    }

    private bool[] ReducedAxes(int[]? axes, string op)
    {
        var reduced = new bool[Rank];
        if (axes is null)
        {
            Array.Fill(reduced, true);
            return reduced;
        }
        foreach (int axis in axes)
        {
            int a = Shape.NormalizeAxis(axis, Rank, op);
            if (reduced[a])
            {
                throw new ArgumentException($"{op}: axis {axis} is given twice.");
            }
            reduced[a] = true;
        }
        return reduced;
    }

    private int ReducedCount(int[]? axes)
    {
        bool[] reduced = ReducedAxes(axes, "mean");
        int count = 1;
        for (int i = 0; i < Rank; i++)
        {
            count *= reduced[i] ? Shape.Dims[i] : 1;
        }
        return count;
    }
}

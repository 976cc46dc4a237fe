using System.Numerics;
using System.Numerics.Tensors;

namespace ChainRule.Kernels;

// Reductions over any set of axes of contiguous n-d data.
//
// The nest is coalesced so that runs of reduced axes and runs of kept axes become one dimension each.
// Then the innermost dimension decides the loop: if it is reduced, each row collapses to one value
// (TensorPrimitives.Sum/Max/Min over the row); if it is kept, each row is combined elementwise into a
// destination row (the bias-gradient case: summing a (batch, features) tensor over batch).

/// <summary>An associative reduction: its identity, and how it combines rows and scalars.</summary>
internal interface IReduceOp
{
    static abstract T Identity<T>() where T : unmanaged, INumber<T>;

    static abstract T Reduce<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T>;

    static abstract T Combine<T>(T a, T b) where T : unmanaged, INumber<T>;

    /// <summary>accumulator[i] = Combine(accumulator[i], row[i])</summary>
    static abstract void Combine<T>(ReadOnlySpan<T> row, Span<T> accumulator) where T : unmanaged, INumber<T>;
}

internal readonly struct SumReduceOp : IReduceOp
{
    public static T Identity<T>() where T : unmanaged, INumber<T> => T.Zero;
    public static T Reduce<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Sum(row);
    public static T Combine<T>(T a, T b) where T : unmanaged, INumber<T> => a + b;
    public static void Combine<T>(ReadOnlySpan<T> row, Span<T> accumulator) where T : unmanaged, INumber<T> => TensorPrimitives.Add(accumulator, row, accumulator);
}

internal readonly struct MaxReduceOp : IReduceOp
{
    public static T Identity<T>() where T : unmanaged, INumber<T> => T.CreateSaturating(double.NegativeInfinity); // -inf, or an integer type's MinValue
    public static T Reduce<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Max(row);
    public static T Combine<T>(T a, T b) where T : unmanaged, INumber<T> => T.Max(a, b);
    public static void Combine<T>(ReadOnlySpan<T> row, Span<T> accumulator) where T : unmanaged, INumber<T> => TensorPrimitives.Max(accumulator, row, accumulator);
}

internal readonly struct MinReduceOp : IReduceOp
{
    public static T Identity<T>() where T : unmanaged, INumber<T> => T.CreateSaturating(double.PositiveInfinity);
    public static T Reduce<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Min(row);
    public static T Combine<T>(T a, T b) where T : unmanaged, INumber<T> => T.Min(a, b);
    public static void Combine<T>(ReadOnlySpan<T> row, Span<T> accumulator) where T : unmanaged, INumber<T> => TensorPrimitives.Min(accumulator, row, accumulator);
}

internal static class Reduce
{
    /// <summary>
    /// destination = reduction of x over the axes where <paramref name="reduced"/> is true.
    /// x is contiguous with the given shape; destination is contiguous over the kept axes.
    /// </summary>
    public static void Run<TOp, T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<bool> reduced, Span<T> destination)
        where TOp : IReduceOp
        where T : unmanaged, INumber<T>
    {
        destination.Fill(TOp.Identity<T>());
        if (x.IsEmpty)
        {
            return;
        }
        int rank = shape.Length;
        bool small = rank <= LoopNest.StackRank;
        Span<int> dims = small ? stackalloc int[rank] : new int[rank];
        Span<int> sx = small ? stackalloc int[rank] : new int[rank];
        Span<int> sd = small ? stackalloc int[rank] : new int[rank];
        shape.CopyTo(dims);
        LoopNest.ContiguousStrides(shape, sx);
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            sd[i] = reduced[i] ? 0 : stride;
            stride *= reduced[i] ? 1 : shape[i];
        }
        rank = LoopNest.Coalesce(dims, sx, sd, sd);
        if (rank == 0)
        {
            destination[0] = TOp.Combine(destination[0], x[0]);
            return;
        }

        int inner = dims[rank - 1];
        bool innerReduced = sd[rank - 1] == 0;
        Span<int> index = small ? stackalloc int[rank - 1] : new int[rank - 1];
        index.Clear();
        var odometer = new Odometer(dims[..(rank - 1)], sx[..(rank - 1)], sd[..(rank - 1)], sd[..(rank - 1)], index);
        int rows = x.Length / inner;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = x.Slice(odometer.Offset0, inner);
            if (innerReduced)
            {
                destination[odometer.Offset1] = TOp.Combine(destination[odometer.Offset1], TOp.Reduce(row));
            }
            else
            {
                TOp.Combine(row, destination.Slice(odometer.Offset1, inner));
            }
            odometer.Next();
        }
    }

    /// <summary>destination[r] = index of the largest (or smallest) element of row r of x (rows x cols).</summary>
    public static void ArgExtremum<T>(ReadOnlySpan<T> x, int rows, int cols, bool max, Span<long> destination)
        where T : unmanaged, INumber<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = x.Slice(r * cols, cols);
            int index = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
            destination[r] = index;
        }
    }
}

using System.Buffers;
using System.Numerics;

namespace ChainRule.Kernels;

// Elementwise kernels over n-d data with NumPy broadcasting.
//
// Conventions: inputs first, destination last; the destination is contiguous and has the
// broadcast shape; input strides are already aligned to that shape (0 on broadcast axes).
// The loop nest is coalesced first, then each innermost row goes to the op's span function
// (TensorPrimitives or a VectorLoop), with the span-scalar overload when an input's row is
// broadcast (stride 0). No per-element index arithmetic, no per-element virtual calls.

/// <summary>y = f(x) over a contiguous row, and on one value (the fast path for 0-d tensors).</summary>
internal interface IUnaryOp
{
    static abstract void Invoke<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>;

    static abstract T Invoke<T>(T x)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>z = f(x, y) over a row, with either side possibly a broadcast scalar.</summary>
internal interface IBinaryOp
{
    static abstract void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>;

    static abstract void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>;

    static abstract void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>;

    static abstract T Invoke<T>(T x, T y)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A binary op bound to one element type: what the drivers call, whatever the op's family.</summary>
internal interface IRowOp<T>
{
    static abstract T Invoke(T x, T y);

    static abstract void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);

    static abstract void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination);

    static abstract void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination);
}

/// <summary>A floating-point <see cref="IBinaryOp"/> at float or double.</summary>
internal readonly struct FloatRows<TOp, T> : IRowOp<T>
    where TOp : IBinaryOp
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => TOp.Invoke(x, y);
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TOp.Invoke(x, y, destination);
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TOp.Invoke(x, y, destination);
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TOp.Invoke(x, y, destination);
}

/// <summary>An <see cref="IIntegerBinaryOp"/> at int, long or byte.</summary>
internal readonly struct IntegerRows<TOp, T> : IRowOp<T>
    where TOp : IIntegerBinaryOp
    where T : unmanaged, IBinaryInteger<T>
{
    public static T Invoke(T x, T y) => TOp.Invoke(x, y);
    public static void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TOp.Invoke(x, y, destination);
    public static void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination) => TOp.Invoke(x, y, destination);
    public static void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination) => TOp.Invoke(x, y, destination);
}

internal static class Elementwise
{
    /// <summary>destination[i...] = op(x[i...], y[i...]) over the broadcast shape.</summary>
    public static void Binary<TOp, T>(StridedSpan<T> x, StridedSpan<T> y, ReadOnlySpan<int> shape, Span<T> destination)
        where TOp : IRowOp<T>
        where T : unmanaged
    {
        int rank = shape.Length;
        bool small = rank <= LoopNest.StackRank;
        Span<int> dims = small ? stackalloc int[rank] : new int[rank];
        Span<int> sx = small ? stackalloc int[rank] : new int[rank];
        Span<int> sy = small ? stackalloc int[rank] : new int[rank];
        Span<int> sd = small ? stackalloc int[rank] : new int[rank];
        shape.CopyTo(dims);
        x.Strides.CopyTo(sx);
        y.Strides.CopyTo(sy);
        LoopNest.ContiguousStrides(shape, sd);
        rank = LoopNest.Coalesce(dims, sx, sy, sd);

        if (rank == 0)
        {
            TOp.Invoke(x.Data[..1], y.Data[..1], destination[..1]);
            return;
        }

        int inner = dims[rank - 1];
        int strideX = sx[rank - 1];
        int strideY = sy[rank - 1];
        T[]? rowX = strideX > 1 ? ArrayPool<T>.Shared.Rent(inner) : null;
        T[]? rowY = strideY > 1 ? ArrayPool<T>.Shared.Rent(inner) : null;
        Span<int> index = small ? stackalloc int[rank - 1] : new int[rank - 1];
        index.Clear();
        var odometer = new Odometer(dims[..(rank - 1)], sx[..(rank - 1)], sy[..(rank - 1)], sd[..(rank - 1)], index);
        int rows = destination.Length / Math.Max(inner, 1);
        for (int r = 0; r < rows; r++)
        {
            Span<T> d = destination.Slice(odometer.Offset2, inner);
            if (strideX == 0 && strideY == 0)
            {
                TOp.Invoke(x.Data.Slice(odometer.Offset0, 1), y.Data.Slice(odometer.Offset1, 1), d[..1]);
                d[1..].Fill(d[0]);
            }
            else if (strideX == 0)
            {
                TOp.Invoke(x.Data[odometer.Offset0], Row(y.Data, odometer.Offset1, strideY, inner, rowY), d);
            }
            else if (strideY == 0)
            {
                TOp.Invoke(Row(x.Data, odometer.Offset0, strideX, inner, rowX), y.Data[odometer.Offset1], d);
            }
            else
            {
                TOp.Invoke(Row(x.Data, odometer.Offset0, strideX, inner, rowX), Row(y.Data, odometer.Offset1, strideY, inner, rowY), d);
            }
            odometer.Next();
        }
        if (rowX is not null)
        {
            ArrayPool<T>.Shared.Return(rowX);
        }
        if (rowY is not null)
        {
            ArrayPool<T>.Shared.Return(rowY);
        }
    }

    /// <summary>Copies strided (possibly broadcast) data into a contiguous destination of this shape.</summary>
    public static void Copy<T>(StridedSpan<T> x, ReadOnlySpan<int> shape, Span<T> destination)
    {
        int rank = shape.Length;
        bool small = rank <= LoopNest.StackRank;
        Span<int> dims = small ? stackalloc int[rank] : new int[rank];
        Span<int> sx = small ? stackalloc int[rank] : new int[rank];
        Span<int> sd = small ? stackalloc int[rank] : new int[rank];
        shape.CopyTo(dims);
        x.Strides.CopyTo(sx);
        LoopNest.ContiguousStrides(shape, sd);
        rank = LoopNest.Coalesce(dims, sx, sd, sd); // a two-operand nest: sd doubles as the third
        if (rank == 0)
        {
            if (destination.Length > 0)
            {
                destination[0] = x.Data[0];
            }
            return;
        }

        int inner = dims[rank - 1];
        int strideX = sx[rank - 1];
        Span<int> index = small ? stackalloc int[rank - 1] : new int[rank - 1];
        index.Clear();
        var odometer = new Odometer(dims[..(rank - 1)], sx[..(rank - 1)], sd[..(rank - 1)], sd[..(rank - 1)], index);
        int rows = destination.Length / Math.Max(inner, 1);
        for (int r = 0; r < rows; r++)
        {
            Span<T> d = destination.Slice(odometer.Offset1, inner);
            if (strideX == 1)
            {
                x.Data.Slice(odometer.Offset0, inner).CopyTo(d);
            }
            else
            {
                Gather(x.Data, odometer.Offset0, strideX, d);
            }
            odometer.Next();
        }
    }

    // A row with unit stride is used in place; any other stride is gathered into scratch first.
    private static ReadOnlySpan<T> Row<T>(ReadOnlySpan<T> data, int offset, int stride, int length, T[]? scratch)
    {
        if (stride == 1)
        {
            return data.Slice(offset, length);
        }
        Span<T> row = scratch.AsSpan(0, length);
        Gather(data, offset, stride, row);
        return row;
    }

    private static void Gather<T>(ReadOnlySpan<T> data, int offset, int stride, Span<T> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = data[offset + (i * stride)];
        }
    }
}

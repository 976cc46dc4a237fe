using ChainRule.Kernels;

namespace ChainRule;

// Joining, splitting and index-based selection. Index tensors are Int64 or Int32, as PyTorch's; every
// index is checked before a kernel sees it. Moving elements only needs their width, so Concat, Gather and
// Take run one kernel per width (1, 4 or 8 bytes) for every dtype; the adding ones dispatch on the type.
public sealed partial class Tensor
{
    /// <summary>Joins tensors along an existing axis; all other dimensions must match.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            throw new ArgumentException("concat: needs at least one tensor.", nameof(tensors));
        }
        Tensor first = tensors[0];
        axis = Shape.NormalizeAxis(axis, first.Rank, "concat");
        DType dtype = first.DType;
        int total = 0;
        foreach (Tensor t in tensors)
        {
            bool sameRank = t.Rank == first.Rank;
            for (int i = 0; sameRank && i < t.Rank; i++)
            {
                if (i != axis && t.Shape.Dims[i] != first.Shape.Dims[i])
                {
                    sameRank = false;
                }
            }
            if (!sameRank)
            {
                throw new ArgumentException($"concat: shapes {first.Shape} and {t.Shape} differ outside axis {axis}.", nameof(tensors));
            }
            total += t.Shape.Dims[axis];
            dtype = DTypes.Promote(dtype, t.DType);
        }
        int[] dims = first.Shape.ToArray();
        dims[axis] = total;
        Tensor result = Uninitialized(new Shape(dims), dtype); // every part is copied in
        (int outer, _, int inner) = AroundAxis(result.Shape, axis);
        int start = 0;
        foreach (Tensor t in tensors)
        {
            Tensor part = t.To(dtype).Contiguous();
            int n = t.Shape.Dims[axis];
            switch (dtype.ElementSize())
            {
                case 4: Indexing.CopyInto<int>(part.AsBits<int>(), outer, n, inner, start, total, result.AsBits<int>()); break;
                case 8: Indexing.CopyInto<long>(part.AsBits<long>(), outer, n, inner, start, total, result.AsBits<long>()); break;
                default: Indexing.CopyInto<byte>(part.AsBits<byte>(), outer, n, inner, start, total, result.AsBits<byte>()); break;
            }
            start += n;
        }
        return result;
    }

    /// <summary>Joins same-shaped tensors along a new axis.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            throw new ArgumentException("stack: needs at least one tensor.", nameof(tensors));
        }
        foreach (Tensor t in tensors)
        {
            if (t.Shape != tensors[0].Shape)
            {
                throw new ArgumentException($"stack: shapes {tensors[0].Shape} and {t.Shape} differ.", nameof(tensors));
            }
        }
        int normalized = Shape.NormalizeAxis(axis, tensors[0].Rank + 1, "stack");
        return Concat(tensors.Select(t => t.Unsqueeze(normalized)).ToArray(), normalized);
    }

    /// <summary>Views of consecutive pieces along <paramref name="axis"/> with the given sizes (which must add up to the axis).</summary>
    public Tensor[] Split(int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        axis = Shape.NormalizeAxis(axis, Rank, "split");
        if (sizes.Any(s => s < 0) || sizes.Sum() != Shape.Dims[axis])
        {
            throw new ArgumentException($"split: sizes ({string.Join(", ", sizes)}) do not add up to {Shape.Dims[axis]}, axis {axis} of shape {Shape}.", nameof(sizes));
        }
        var parts = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            parts[i] = Slice(axis, start, start + sizes[i]);
            start += sizes[i];
        }
        return parts;
    }

    /// <summary>Views of <paramref name="parts"/> equal pieces along <paramref name="axis"/>, which must divide evenly.</summary>
    public Tensor[] Split(int parts, int axis)
    {
        int dim = Shape.Dims[Shape.NormalizeAxis(axis, Rank, "split")];
        if (parts <= 0 || dim % parts != 0)
        {
            throw new ArgumentException($"split: axis {axis} of shape {Shape} (size {dim}) does not divide into {parts} equal parts.", nameof(parts));
        }
        return Split(Enumerable.Repeat(dim / parts, parts).ToArray(), axis);
    }

    /// <summary>
    /// y[..., j, ...] = x[..., index[..., j, ...], ...] along <paramref name="axis"/> (torch.gather,
    /// numpy.take_along_axis). index has x's shape except along axis; y has index's shape.
    /// </summary>
    public Tensor Gather(int axis, Tensor index)
    {
        axis = Shape.NormalizeAxis(axis, Rank, "gather");
        CheckSameOutsideAxis(index.Shape, axis, "gather");
        int[] idx = ToIndices(index, Shape.Dims[axis], "gather");
        (int outer, int n, int inner) = AroundAxis(Shape, axis);
        int m = index.Shape.Dims[axis];
        Tensor result = Uninitialized(index.Shape, DType);
        Tensor x = Contiguous();
        switch (DType.ElementSize())
        {
            case 4: Indexing.Gather<int>(x.AsBits<int>(), idx, outer, n, m, inner, result.AsBits<int>()); break;
            case 8: Indexing.Gather<long>(x.AsBits<long>(), idx, outer, n, m, inner, result.AsBits<long>()); break;
            default: Indexing.Gather<byte>(x.AsBits<byte>(), idx, outer, n, m, inner, result.AsBits<byte>()); break;
        }
        return result;
    }

    /// <summary>A copy of this tensor with source added at the gathered positions: result[..., index[..., j, ...], ...] += source[..., j, ...].</summary>
    public Tensor ScatterAdd(int axis, Tensor index, Tensor source)
    {
        axis = Shape.NormalizeAxis(axis, Rank, "scatter_add");
        CheckSameOutsideAxis(index.Shape, axis, "scatter_add");
        if (source.Shape != index.Shape)
        {
            throw new ArgumentException($"scatter_add: source shape {source.Shape} differs from index shape {index.Shape}.");
        }
        int[] idx = ToIndices(index, Shape.Dims[axis], "scatter_add");
        (int outer, int n, int inner) = AroundAxis(Shape, axis);
        Tensor result = Clone();
        Tensor y = source.To(DType).Contiguous();
        int m = index.Shape.Dims[axis];
        switch (DType)
        {
            case DType.Float32: Indexing.ScatterAdd<float>(y.AsSpan<float>(), idx, outer, n, m, inner, result.AsSpan<float>()); break;
            case DType.Float64: Indexing.ScatterAdd<double>(y.AsSpan<double>(), idx, outer, n, m, inner, result.AsSpan<double>()); break;
            case DType.Int32: Indexing.ScatterAdd<int>(y.AsSpan<int>(), idx, outer, n, m, inner, result.AsSpan<int>()); break;
            case DType.Int64: Indexing.ScatterAdd<long>(y.AsSpan<long>(), idx, outer, n, m, inner, result.AsSpan<long>()); break;
            case DType.UInt8: Indexing.ScatterAdd<byte>(y.AsSpan<byte>(), idx, outer, n, m, inner, result.AsSpan<byte>()); break;
            default: throw new ArgumentException("scatter_add: bool is not supported; convert to an integer type first.");
        }
        return result;
    }

    /// <summary>
    /// Selects whole slices along <paramref name="axis"/> (numpy.take): the result's shape is
    /// x.shape[:axis] + indices.shape + x.shape[axis+1:]. With a 0-d index the axis disappears.
    /// </summary>
    public Tensor Take(Tensor indices, int axis = 0)
    {
        axis = Shape.NormalizeAxis(axis, Rank, "take");
        int[] idx = ToIndices(indices, Shape.Dims[axis], "take");
        (int outer, int n, int inner) = AroundAxis(Shape, axis);
        int[] dims = [.. Shape.Dims[..axis], idx.Length, .. Shape.Dims[(axis + 1)..]];
        Tensor result = Uninitialized(new Shape(dims), DType);
        Tensor x = Contiguous();
        switch (DType.ElementSize())
        {
            case 4: Indexing.Select<int>(x.AsBits<int>(), idx, outer, n, inner, result.AsBits<int>()); break;
            case 8: Indexing.Select<long>(x.AsBits<long>(), idx, outer, n, inner, result.AsBits<long>()); break;
            default: Indexing.Select<byte>(x.AsBits<byte>(), idx, outer, n, inner, result.AsBits<byte>()); break;
        }
        return result.Reshape([.. Shape.Dims[..axis], .. indices.Shape.Dims, .. Shape.Dims[(axis + 1)..]]);
    }

    /// <summary>A copy of this tensor with the slices of source added at the taken positions (the adjoint of Take).</summary>
    public Tensor IndexAdd(Tensor indices, int axis, Tensor source)
    {
        axis = Shape.NormalizeAxis(axis, Rank, "index_add");
        int[] idx = ToIndices(indices, Shape.Dims[axis], "index_add");
        Shape expected = new([.. Shape.Dims[..axis], .. indices.Shape.Dims, .. Shape.Dims[(axis + 1)..]]);
        if (source.Shape != expected)
        {
            throw new ArgumentException($"index_add: source shape {source.Shape} should be {expected} for indices {indices.Shape} into {Shape} along axis {axis}.");
        }
        (int outer, int n, int inner) = AroundAxis(Shape, axis);
        Tensor result = Clone();
        Tensor y = source.To(DType).Contiguous();
        switch (DType)
        {
            case DType.Float32: Indexing.SelectAdd<float>(y.AsSpan<float>(), idx, outer, n, inner, result.AsSpan<float>()); break;
            case DType.Float64: Indexing.SelectAdd<double>(y.AsSpan<double>(), idx, outer, n, inner, result.AsSpan<double>()); break;
            case DType.Int32: Indexing.SelectAdd<int>(y.AsSpan<int>(), idx, outer, n, inner, result.AsSpan<int>()); break;
            case DType.Int64: Indexing.SelectAdd<long>(y.AsSpan<long>(), idx, outer, n, inner, result.AsSpan<long>()); break;
            case DType.UInt8: Indexing.SelectAdd<byte>(y.AsSpan<byte>(), idx, outer, n, inner, result.AsSpan<byte>()); break;
            default: throw new ArgumentException("index_add: bool is not supported; convert to an integer type first.");
        }
        return result;
    }

    /// <summary>labels (Int64 or Int32 class indices in [0, classes), any shape) to one-hot vectors: shape labels.shape + (classes,).</summary>
    public static Tensor OneHot(Tensor labels, int classes, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int[] idx = ToIndices(labels, classes, "one_hot");
        var result = new Tensor(new Shape([.. labels.Shape.Dims, classes]), dtype);
        Tensor one = Scalar(1, dtype);
        for (int i = 0; i < idx.Length; i++)
        {
            Array.Copy(one.Buffer, 0, result.Buffer, (i * classes) + idx[i], 1);
        }
        return result;
    }

    /// <summary>Checks that <paramref name="index"/> is Int64 or Int32 with every element in [0, size) and returns them in row-major order.</summary>
    internal static int[] ToIndices(Tensor index, int size, string op)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.DType is not (DType.Int64 or DType.Int32))
        {
            throw new ArgumentException($"{op}: index must be Int64 or Int32, got {index.DType}; convert with .To(DType.Int64).");
        }
        long[] values = index.To(DType.Int64).ToArray<long>();
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            long v = values[i];
            if (v < 0 || v >= size)
            {
                throw new ArgumentException($"{op}: index {v} at position {i} is out of range [0, {size}).");
            }
            result[i] = (int)v;
        }
        return result;
    }

    private static (int Outer, int N, int Inner) AroundAxis(Shape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++)
        {
            outer *= shape.Dims[i];
        }
        for (int i = axis + 1; i < shape.Rank; i++)
        {
            inner *= shape.Dims[i];
        }
        return (outer, shape.Dims[axis], inner);
    }

    private void CheckSameOutsideAxis(Shape index, int axis, string op)
    {
        bool same = index.Rank == Rank;
        for (int i = 0; same && i < Rank; i++)
        {
            same = i == axis || index.Dims[i] == Shape.Dims[i];
        }
        if (!same)
        {
            throw new ArgumentException($"{op}: index shape {index} must equal the input shape {Shape} on every axis but {axis}.");
        }
    }
}

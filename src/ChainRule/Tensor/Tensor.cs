using ChainRule.Kernels;

namespace ChainRule;

/// <summary>
/// An n-dimensional array of float32 (the default) or float64 numbers, with NumPy semantics.
/// </summary>
/// <remarks>
/// Storage is one managed array; a tensor is a view of it: an offset, a <see cref="Shape"/> and one stride
/// per dimension, in elements. Reshape (when possible), Transpose, Permute, Slice, Squeeze, Unsqueeze and
/// BroadcastTo return views that share storage; every other operation returns a new contiguous tensor.
/// Tensors know nothing about gradients: that is <see cref="Variable"/>'s job.
/// </remarks>
public sealed partial class Tensor
{
    private readonly Array _buffer; // float[] or double[], by DType
    private readonly int[] _strides;

    /// <summary>A new zero-filled contiguous tensor.</summary>
    public Tensor(Shape shape, DType dtype = DType.Float32)
        : this(Allocate(shape.Size, dtype), 0, shape, shape.ContiguousStrides(), dtype, ownsBuffer: true)
    {
    }

    internal Tensor(Array buffer, int offset, Shape shape, int[] strides, DType dtype, bool ownsBuffer = false)
    {
        OwnsBuffer = ownsBuffer;
        _buffer = buffer;
        _strides = strides;
        Offset = offset;
        Shape = shape;
        DType = dtype;
        Size = shape.Size;
    }

    public Shape Shape { get; }

    public DType DType { get; }

    public int Rank => Shape.Rank;

    /// <summary>Number of elements.</summary>
    public int Size { get; }

    /// <summary>Step in elements between neighbours along each axis (0 on broadcast axes).</summary>
    public ReadOnlySpan<int> Strides => _strides;

    internal int Offset { get; }

    internal Array Buffer => _buffer;

    /// <summary>True when this tensor allocated its buffer and covers all of it (not a view): it may go back to the TensorPool.</summary>
    internal bool OwnsBuffer { get; }

    /// <summary>True when the elements lie in row-major order with no gaps, so one span covers them.</summary>
    public bool IsContiguous
    {
        get
        {
            int expected = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (Shape.Dims[i] != 1 && _strides[i] != expected)
                {
                    return false;
                }
                expected *= Shape.Dims[i];
            }
            return true;
        }
    }

    /// <summary>The elements as one span; the tensor must be contiguous.</summary>
    internal Span<T> AsSpan<T>()
    {
        if (!IsContiguous)
        {
            throw new InvalidOperationException($"tensor of shape {Shape} with strides {Shape.Format(Strides)} is not contiguous; call Contiguous() first.");
        }
        return new Span<T>((T[])_buffer, Offset, Size);
    }

    /// <summary>Strided view for kernels, with strides aligned to <paramref name="target"/> (0 on broadcast axes).</summary>
    internal StridedSpan<T> AsStrided<T>(Shape target, Span<int> strides)
    {
        BroadcastStrides(target, strides);
        return new StridedSpan<T>(((T[])_buffer).AsSpan(Offset), strides);
    }

    /// <summary>This tensor's strides as seen from a broadcast shape: 0 on new leading axes and on size-1 axes.</summary>
    internal void BroadcastStrides(Shape target, Span<int> strides)
    {
        int lead = target.Rank - Rank;
        strides[..lead].Clear();
        for (int i = 0; i < Rank; i++)
        {
            strides[lead + i] = Shape.Dims[i] == 1 ? 0 : _strides[i];
        }
    }

    /// <summary>This tensor if it is contiguous, else a contiguous copy.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Copy(this);

    /// <summary>A new contiguous tensor with the same values.</summary>
    public Tensor Clone() => Copy(this);

    /// <summary>This tensor in <paramref name="dtype"/>: itself when it already is, else a converted copy.</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType)
        {
            return this;
        }
        Tensor source = Contiguous();
        Tensor result = Uninitialized(Shape, dtype);
        if (dtype == DType.Float64)
        {
            ReadOnlySpan<float> from = source.AsSpan<float>();
            Span<double> to = result.AsSpan<double>();
            for (int i = 0; i < from.Length; i++)
            {
                to[i] = from[i];
            }
        }
        else
        {
            ReadOnlySpan<double> from = source.AsSpan<double>();
            Span<float> to = result.AsSpan<float>();
            for (int i = 0; i < from.Length; i++)
            {
                to[i] = (float)from[i];
            }
        }
        return result;
    }

    /// <summary>The value of a tensor with exactly one element.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more or fewer than one element.</exception>
    public double Item()
    {
        if (Size != 1)
        {
            throw new InvalidOperationException($"Item() needs a tensor with one element; this one has shape {Shape}.");
        }
        return DType == DType.Float32 ? ((float[])_buffer)[Offset] : ((double[])_buffer)[Offset];
    }

    /// <summary>The element at <paramref name="index"/> (one index per axis, negative counts from the end).</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")] // "Item" is the scalar read-out method
    public double this[params ReadOnlySpan<int> index]
    {
        get => DType == DType.Float32 ? ((float[])_buffer)[ElementOffset(index)] : ((double[])_buffer)[ElementOffset(index)];
        set
        {
            int offset = ElementOffset(index);
            if (DType == DType.Float32)
            {
                ((float[])_buffer)[offset] = (float)value;
            }
            else
            {
                ((double[])_buffer)[offset] = value;
            }
        }
    }

    /// <summary>The elements in row-major order, as float (converted from float64 if needed).</summary>
    public float[] ToArray() => To(DType.Float32).Contiguous().AsSpan<float>().ToArray();

    /// <summary>The elements in row-major order, as double.</summary>
    public double[] ToDoubleArray() => To(DType.Float64).Contiguous().AsSpan<double>().ToArray();

    private int ElementOffset(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"tensor of shape {Shape} needs {Rank} indices, got {index.Length}.", nameof(index));
        }
        int offset = Offset;
        for (int i = 0; i < index.Length; i++)
        {
            int dim = Shape.Dims[i];
            int k = index[i] < 0 ? index[i] + dim : index[i];
            if (k < 0 || k >= dim)
            {
                throw new IndexOutOfRangeException($"index {index[i]} is out of range for axis {i} of size {dim} (shape {Shape}).");
            }
            offset += k * _strides[i];
        }
        return offset;
    }

    internal static Array Allocate(int size, DType dtype) => dtype == DType.Float32 ? new float[size] : new double[size];

    /// <summary>
    /// A new contiguous tensor whose elements are garbage: for kernel outputs that overwrite every element.
    /// Skipping the zeroing matters for the large activations and gradients of a training step.
    /// </summary>
    internal static Tensor Uninitialized(Shape shape, DType dtype)
    {
        int size = shape.Size;
        Array buffer = (size >= TensorPool.MinElements ? TensorPool.Rent(size, dtype) : null)
            ?? (dtype == DType.Float32 ? GC.AllocateUninitializedArray<float>(size) : GC.AllocateUninitializedArray<double>(size));
        return new Tensor(buffer, 0, shape, shape.ContiguousStrides(), dtype, ownsBuffer: true);
    }

    private static Tensor Copy(Tensor x)
    {
        Tensor result = Uninitialized(x.Shape, x.DType);
        Span<int> strides = x.Rank <= LoopNest.StackRank ? stackalloc int[x.Rank] : new int[x.Rank];
        if (x.DType == DType.Float32)
        {
            Elementwise.Copy(x.AsStrided<float>(x.Shape, strides), x.Shape.Dims, result.AsSpan<float>());
        }
        else
        {
            Elementwise.Copy(x.AsStrided<double>(x.Shape, strides), x.Shape.Dims, result.AsSpan<double>());
        }
        return result;
    }
}

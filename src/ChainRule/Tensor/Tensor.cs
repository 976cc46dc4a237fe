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
    private readonly Array _buffer; // float[] or double[], by DType; read it through Storage, which checks the lease
    private readonly int[] _strides;
    private readonly BufferLease? _lease; // pooled buffers only (TensorPool.MinElements and up): shared by all views

    /// <summary>A new zero-filled contiguous tensor.</summary>
    public Tensor(Shape shape, DType dtype = DType.Float32)
        : this(Allocate(shape.Size, dtype), 0, shape, shape.ContiguousStrides(), dtype, ownsBuffer: true)
    {
    }

    internal Tensor(Array buffer, int offset, Shape shape, int[] strides, DType dtype, bool ownsBuffer = false)
        : this(buffer, offset, shape, strides, dtype, ownsBuffer,
            ownsBuffer && buffer.Length >= TensorPool.MinElements ? new BufferLease(buffer, dtype) : null)
    {
    }

    private Tensor(Array buffer, int offset, Shape shape, int[] strides, DType dtype, bool ownsBuffer, BufferLease? lease)
    {
        OwnsBuffer = ownsBuffer;
        _lease = lease;
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

    internal Array Buffer => Storage;

    // The buffer, unless a StepScope (or the engine's gradient recycling) gave it back to the pool: then every read and
    // write of this tensor, or of a view of it, ends here with a clear exception instead of another step's numbers.
    private Array Storage => _lease is { Expired: true } ? throw new RecycledTensorException(Shape, DType) : _buffer;

    /// <summary>Whether two tensors use the same memory (a comparison only: it reads neither, recycled or not).</summary>
    internal static bool SameBuffer(Tensor a, Tensor b) => ReferenceEquals(a._buffer, b._buffer);

    /// <summary>A view of this tensor's memory (same lease: it expires with the tensor it views).</summary>
    internal Tensor View(int offset, Shape shape, int[] strides) => new(Storage, offset, shape, strides, DType, ownsBuffer: false, _lease);

    /// <summary>This tensor's memory stays valid after the step scope that created it ends (see <see cref="StepScope.Keep(Tensor)"/>).</summary>
    internal void KeepBeyondStep()
    {
        if (_lease is { Expired: false } lease)
        {
            lease.Scope = null;
        }
        else if (_lease is { Expired: true })
        {
            throw new RecycledTensorException(Shape, DType);
        }
    }

    /// <summary>Gives an owned buffer back to the pool now (the engine proved no one else sees it); this tensor is dead after.</summary>
    internal void ReturnBuffer() => _lease?.Return();

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
        return new Span<T>((T[])Storage, Offset, Size);
    }

    /// <summary>Strided view for kernels, with strides aligned to <paramref name="target"/> (0 on broadcast axes).</summary>
    internal StridedSpan<T> AsStrided<T>(Shape target, Span<int> strides)
    {
        BroadcastStrides(target, strides);
        return new StridedSpan<T>(((T[])Storage).AsSpan(Offset), strides);
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
    /// <remarks>The copy is the caller's: inside a <see cref="StepScope"/> it is kept past the step.</remarks>
    public Tensor Clone()
    {
        Tensor copy = Copy(this);
        copy.KeepBeyondStep();
        return copy;
    }

    /// <summary>
    /// This tensor in <paramref name="dtype"/>: itself when it already is, else a converted copy. As PyTorch's
    /// <c>to</c>: floating to integer truncates toward zero (saturating at the type's range, NaN to 0), anything
    /// to Bool is "not zero", Bool to a number is 0 or 1, integer overflow into UInt8/Int32 wraps.
    /// </summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType)
        {
            return this;
        }
        Tensor source = Contiguous();
        Tensor result = Uninitialized(Shape, dtype);
        Kernels.Convert.Run(source.Buffer, source.DType, source.Offset, result.Buffer, dtype, Size);
        return result;
    }

    /// <summary>
    /// The value of a tensor with exactly one element, as a double. Every dtype converts exactly, except an
    /// Int64 beyond ±2^53, which is refused (read it with <see cref="Item{T}"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor has more or fewer than one element.</exception>
    public double Item()
    {
        if (Size != 1)
        {
            throw new InvalidOperationException($"Item() needs a tensor with one element; this one has shape {Shape}.");
        }
        return ReadDouble(Offset);
    }

    /// <summary>The value of a one-element tensor as <typeparamref name="T"/>, which must be its storage type (long for Int64, bool for Bool, ...).</summary>
    public T Item<T>()
    {
        CheckReadType<T>("Item");
        if (Size != 1)
        {
            throw new InvalidOperationException($"Item<{typeof(T).Name}>() needs a tensor with one element; this one has shape {Shape}.");
        }
        return ((T[])Storage)[Offset];
    }

    /// <summary>
    /// The element at <paramref name="index"/> (one index per axis, negative counts from the end). Reads convert
    /// exactly to double (as <see cref="Item()"/>); writes convert as <see cref="To"/> does.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("Element")] // "Item" is the scalar read-out method
    public double this[params ReadOnlySpan<int> index]
    {
        get => ReadDouble(ElementOffset(index));
        set => WriteDouble(ElementOffset(index), value);
    }

    /// <summary>The elements in row-major order; the tensor must be Float32 (read other types with <see cref="ToArray{T}"/>).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not Float32.</exception>
    public float[] ToArray()
    {
        if (DType != DType.Float32)
        {
            throw new InvalidOperationException($"ToArray() reads float32 tensors; this one is {DType.Name()}: use ToArray<{DType.CSharpName()}>(), or To(DType.Float32).ToArray() to convert.");
        }
        return ToArray<float>();
    }

    /// <summary>The elements in row-major order as <typeparamref name="T"/>, which must be the storage type: float, double, int, long, bool or byte.</summary>
    public T[] ToArray<T>()
    {
        CheckReadType<T>("ToArray");
        return Contiguous().AsSpan<T>().ToArray();
    }

    /// <summary>The elements in row-major order as double: exact for every dtype (an Int64 beyond ±2^53 is refused).</summary>
    public double[] ToDoubleArray()
    {
        if (DType == DType.Int64)
        {
            long[] values = ToArray<long>();
            var result = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                result[i] = ExactDouble(values[i]);
            }
            return result;
        }
        return To(DType.Float64).Contiguous().AsSpan<double>().ToArray();
    }

    private void CheckReadType<T>(string method)
    {
        if (typeof(T) != DType.ClrType())
        {
            throw new InvalidOperationException($"{method}<{typeof(T).Name}>(): the tensor is {DType.Name()}; read it with {method}<{DType.CSharpName()}>(), or convert with To(DType) first.");
        }
    }

    private double ReadDouble(int offset) => DType switch
    {
        DType.Float32 => ((float[])Storage)[offset],
        DType.Float64 => ((double[])Storage)[offset],
        DType.Int32 => ((int[])Storage)[offset],
        DType.Int64 => ExactDouble(((long[])Storage)[offset]),
        DType.Bool => ((bool[])Storage)[offset] ? 1 : 0,
        _ => ((byte[])Storage)[offset],
    };

    private void WriteDouble(int offset, double value)
    {
        switch (DType)
        {
            case DType.Float32: ((float[])Storage)[offset] = (float)value; break;
            case DType.Float64: ((double[])Storage)[offset] = value; break;
            case DType.Int32: ((int[])Storage)[offset] = Kernels.Convert.ToInteger<int>(value); break;
            case DType.Int64: ((long[])Storage)[offset] = Kernels.Convert.ToInteger<long>(value); break;
            case DType.Bool: ((bool[])Storage)[offset] = value != 0; break;
            default: ((byte[])Storage)[offset] = Kernels.Convert.ToInteger<byte>(value); break;
        }
    }

    private static double ExactDouble(long value) => value is >= -(1L << 53) and <= 1L << 53 ? value
        : throw new InvalidOperationException($"the int64 value {value} has no exact double; read it with Item<long>() or ToArray<long>().");

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

    internal static Array Allocate(int size, DType dtype) => dtype switch
    {
        DType.Float32 => new float[size],
        DType.Float64 => new double[size],
        DType.Int32 => new int[size],
        DType.Int64 => new long[size],
        DType.Bool => new bool[size],
        _ => new byte[size],
    };

    /// <summary>
    /// A new contiguous tensor whose elements are garbage: for kernel outputs that overwrite every element.
    /// Skipping the zeroing matters for the large activations and gradients of a training step.
    /// </summary>
    internal static Tensor Uninitialized(Shape shape, DType dtype)
    {
        int size = shape.Size;
        Array buffer = (size >= TensorPool.MinElements ? TensorPool.Rent(size, dtype) : null)
            ?? dtype switch
            {
                DType.Float32 => GC.AllocateUninitializedArray<float>(size),
                DType.Float64 => GC.AllocateUninitializedArray<double>(size),
                DType.Int32 => GC.AllocateUninitializedArray<int>(size),
                DType.Int64 => GC.AllocateUninitializedArray<long>(size),
                DType.Bool => new bool[size], // never garbage: every bool[] element is 0 or 1
                _ => GC.AllocateUninitializedArray<byte>(size),
            };
        var tensor = new Tensor(buffer, 0, shape, shape.ContiguousStrides(), dtype, ownsBuffer: true);
        if (tensor._lease is { } lease)
        {
            StepScope.Enlist(lease);
        }
        return tensor;
    }

    /// <summary>A new zero-filled tensor for kernels that accumulate into their output (col2im, reductions): from the pool, like <see cref="Uninitialized"/>.</summary>
    internal static Tensor ZeroedForKernel(Shape shape, DType dtype)
    {
        Tensor result = Uninitialized(shape, dtype);
        Array.Clear(result.Storage);
        return result;
    }

    private static Tensor Copy(Tensor x)
    {
        Tensor result = Uninitialized(x.Shape, x.DType);
        Span<int> strides = x.Rank <= LoopNest.StackRank ? stackalloc int[x.Rank] : new int[x.Rank];
        switch (x.DType.ElementSize())
        {
            case 4: Elementwise.Copy(x.AsStridedBits<int>(x.Shape, strides), x.Shape.Dims, result.AsBits<int>()); break;
            case 8: Elementwise.Copy(x.AsStridedBits<long>(x.Shape, strides), x.Shape.Dims, result.AsBits<long>()); break;
            default: Elementwise.Copy(x.AsStridedBits<byte>(x.Shape, strides), x.Shape.Dims, result.AsBits<byte>()); break;
        }
        return result;
    }

    // ---- the raw element bits, for kernels that only move data (copy, concat, gather, take) ----

    /// <summary>The elements of a contiguous tensor as <typeparamref name="TBits"/>, a type of the element's width (byte, int or long).</summary>
    internal Span<TBits> AsBits<TBits>() where TBits : unmanaged
    {
        if (!IsContiguous)
        {
            throw new InvalidOperationException($"tensor of shape {Shape} with strides {Shape.Format(Strides)} is not contiguous; call Contiguous() first.");
        }
        return RawBits<TBits>().Slice(Offset, Size);
    }

    /// <summary>A strided view of the raw element bits, strides aligned to <paramref name="target"/>.</summary>
    internal StridedSpan<TBits> AsStridedBits<TBits>(Shape target, Span<int> strides) where TBits : unmanaged
    {
        BroadcastStrides(target, strides);
        return new StridedSpan<TBits>(RawBits<TBits>()[Offset..], strides);
    }

    private Span<TBits> RawBits<TBits>() where TBits : unmanaged
    {
        if (System.Runtime.CompilerServices.Unsafe.SizeOf<TBits>() != DType.ElementSize())
        {
            throw new InvalidOperationException($"internal: {typeof(TBits).Name} is not the width of {DType.Name()}.");
        }
        Array buffer = Storage;
        ref byte first = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(buffer);
        return System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.As<byte, TBits>(ref first), buffer.Length);
    }
}

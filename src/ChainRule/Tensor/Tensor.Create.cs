using ChainRule.Kernels;

namespace ChainRule;

// Factories. Every one takes the element type last (default float32); random ones take a Generator,
// so the same seed gives the same numbers on every machine.
public sealed partial class Tensor
{
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => new(shape, dtype);

    public static Tensor Ones(Shape shape, DType dtype = DType.Float32) => Full(shape, 1.0, dtype);

    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32)
    {
        var t = new Tensor(shape, dtype);
        t.Fill(value);
        return t;
    }

    public static Tensor ZerosLike(Tensor x) => new(x.Shape, x.DType);

    public static Tensor OnesLike(Tensor x) => Full(x.Shape, 1.0, x.DType);

    /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full(Shape.Scalar, value, dtype);

    /// <summary>start, start + step, ... up to but excluding <paramref name="stop"/> (numpy.arange). Integer dtypes count in exact integers.</summary>
    public static Tensor Arange(double start, double stop, double step = 1.0, DType dtype = DType.Float32)
    {
        if (step == 0 || !double.IsFinite(step) || !double.IsFinite(start) || !double.IsFinite(stop))
        {
            throw new ArgumentException($"arange: start, stop and step must be finite and step non-zero, got ({start}, {stop}, {step}).", nameof(step));
        }
        double steps = Math.Ceiling((stop - start) / step);
        if (steps > Array.MaxLength)
        {
            throw new ArgumentException($"arange: ({start}, {stop}, {step}) has {steps} elements, more than a tensor holds.");
        }
        int count = Math.Max(0, (int)steps);
        if (dtype == DType.Bool)
        {
            throw new ArgumentException("arange: bool is not supported; use an integer or floating dtype.", nameof(dtype));
        }
        var t = new Tensor(new Shape(count), dtype);
        if (dtype == DType.Int64)
        {
            Span<long> d = t.AsSpan<long>();
            for (int i = 0; i < count; i++)
            {
                d[i] = (long)start + (i * (long)step);
            }
            return t;
        }
        for (int i = 0; i < count; i++)
        {
            t[i] = start + (i * step);
        }
        return t;
    }

    /// <summary>0..stop-1.</summary>
    public static Tensor Arange(int stop, DType dtype = DType.Float32) => Arange(0, stop, 1, dtype);

    /// <summary><paramref name="count"/> evenly spaced values from start to stop, both included (numpy.linspace).</summary>
    public static Tensor Linspace(double start, double stop, int count, DType dtype = DType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var t = new Tensor(new Shape(count), dtype);
        double step = count > 1 ? (stop - start) / (count - 1) : 0;
        for (int i = 0; i < count; i++)
        {
            t[i] = i == count - 1 ? stop : start + (i * step);
        }
        return t;
    }

    /// <summary>The n x n identity matrix.</summary>
    public static Tensor Eye(int n, DType dtype = DType.Float32)
    {
        var t = new Tensor(new Shape(n, n), dtype);
        for (int i = 0; i < n; i++)
        {
            t[i, i] = 1;
        }
        return t;
    }

    /// <summary>A tensor over a copy of <paramref name="data"/> (row-major) with the given shape.</summary>
    /// <exception cref="ArgumentException">The shape's size differs from the data's length.</exception>
    public static Tensor FromArray(float[] data, Shape shape) => FromSpan<float>(data, shape);

    /// <inheritdoc cref="FromArray(float[], Shape)"/>
    public static Tensor FromArray(double[] data, Shape shape) => FromSpan<double>(data, shape);

    /// <inheritdoc cref="FromArray(float[], Shape)"/>
    public static Tensor FromArray(int[] data, Shape shape) => FromSpan<int>(data, shape);

    /// <inheritdoc cref="FromArray(float[], Shape)"/>
    public static Tensor FromArray(long[] data, Shape shape) => FromSpan<long>(data, shape);

    /// <inheritdoc cref="FromArray(float[], Shape)"/>
    public static Tensor FromArray(bool[] data, Shape shape) => FromSpan<bool>(data, shape);

    /// <inheritdoc cref="FromArray(float[], Shape)"/>
    public static Tensor FromArray(byte[] data, Shape shape) => FromSpan<byte>(data, shape);

    /// <summary>A 1-d float32 tensor.</summary>
    public static Tensor FromArray(params float[] data) => FromSpan<float>(data, new Shape(data.Length));

    /// <summary>A 1-d float64 tensor.</summary>
    public static Tensor FromArray(params double[] data) => FromSpan<double>(data, new Shape(data.Length));

    /// <summary>A 1-d int32 tensor.</summary>
    public static Tensor FromArray(params int[] data) => FromSpan<int>(data, new Shape(data.Length));

    /// <summary>A 1-d int64 tensor (class labels, indices).</summary>
    public static Tensor FromArray(params long[] data) => FromSpan<long>(data, new Shape(data.Length));

    /// <summary>A 1-d bool tensor (a mask).</summary>
    public static Tensor FromArray(params bool[] data) => FromSpan<bool>(data, new Shape(data.Length));

    /// <summary>A 1-d uint8 tensor (image bytes).</summary>
    public static Tensor FromArray(params byte[] data) => FromSpan<byte>(data, new Shape(data.Length));

    /// <summary>A tensor from a rectangular C# array of float or double of any rank, e.g. <c>new float[,] { { 1, 2 }, { 3, 4 } }</c>.</summary>
    public static Tensor FromArray(Array data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var dims = new int[data.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = data.GetLength(i);
        }
        if (data.Rank == 1)
        {
            throw new ArgumentException("use FromArray(data, shape) or FromArray(params ...) for 1-d arrays.", nameof(data));
        }
        Type? element = data.GetType().GetElementType();
        return element == typeof(float) ? FromSpan<float>(data.Cast<float>().ToArray(), dims)
            : element == typeof(double) ? FromSpan<double>(data.Cast<double>().ToArray(), dims)
            : element == typeof(int) ? FromSpan<int>(data.Cast<int>().ToArray(), dims)
            : element == typeof(long) ? FromSpan<long>(data.Cast<long>().ToArray(), dims)
            : element == typeof(bool) ? FromSpan<bool>(data.Cast<bool>().ToArray(), dims)
            : element == typeof(byte) ? FromSpan<byte>(data.Cast<byte>().ToArray(), dims)
            : throw new ArgumentException($"FromArray takes float, double, int, long, bool or byte arrays, not {data.GetType().Name}.", nameof(data));
    }

    /// <summary>A 2-d tensor from a jagged array whose rows all have the same length.</summary>
    public static Tensor FromArray(float[][] rows) => FromRows(rows);

    /// <inheritdoc cref="FromArray(float[][])"/>
    public static Tensor FromArray(double[][] rows) => FromRows(rows);

    /// <inheritdoc cref="FromArray(float[][])"/>
    public static Tensor FromArray(long[][] rows) => FromRows(rows);

    /// <summary>Uniform in [low, high).</summary>
    public static Tensor RandomUniform(Shape shape, double low, double high, Generator generator, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var t = new Tensor(shape, dtype);
        t.FillWith(() => low + ((high - low) * generator.NextDouble()));
        return t;
    }

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static Tensor RandomNormal(Shape shape, double mean, double std, Generator generator, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var t = new Tensor(shape, dtype);
        t.FillWith(() => mean + (std * generator.NextNormal()));
        return t;
    }

    /// <summary>Uniform integers in [low, high) (torch.randint), Int64 unless an integer dtype is given.</summary>
    public static Tensor RandomInteger(Shape shape, long low, long high, Generator generator, DType dtype = DType.Int64)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (low >= high || !dtype.IsInteger())
        {
            throw new ArgumentException($"random_integer: needs low < high and an integer dtype, got [{low}, {high}) and {dtype.Name()}.");
        }
        var values = new long[shape.Size];
        ulong range = (ulong)(high - low);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Min(low + (long)(generator.NextDouble() * range), high - 1); // NextDouble < 1; the Min guards rounding near 1
        }
        return FromSpan<long>(values, shape).To(dtype);
    }

    /// <summary>Sets every element to <paramref name="value"/>, in place.</summary>
    public void Fill(double value)
    {
        switch (DType)
        {
            case DType.Float32: FillStrided((float)value); break;
            case DType.Float64: FillStrided(value); break;
            case DType.Int32: FillStrided(Kernels.Convert.ToInteger<int>(value)); break;
            case DType.Int64: FillStrided(Kernels.Convert.ToInteger<long>(value)); break;
            case DType.Bool: FillStrided(value != 0); break;
            default: FillStrided(Kernels.Convert.ToInteger<byte>(value)); break;
        }
    }

    /// <summary>Copies the values of <paramref name="source"/> (same shape; converted to this type) into this tensor, in place.</summary>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Shape != Shape)
        {
            throw new ArgumentException($"copy: source shape {source.Shape} differs from {Shape}.", nameof(source));
        }
        Tensor values = source.DType == DType ? source : source.To(DType);
        if (IsContiguous)
        {
            // One strided pass straight into this tensor (a broadcast bias into a layer's output, say): no contiguous copy first.
            Span<int> strides = Rank <= LoopNest.StackRank ? stackalloc int[Rank] : new int[Rank];
            switch (DType.ElementSize())
            {
                case 4: Elementwise.Copy(values.AsStridedBits<int>(Shape, strides), Shape.Dims, AsBits<int>()); break;
                case 8: Elementwise.Copy(values.AsStridedBits<long>(Shape, strides), Shape.Dims, AsBits<long>()); break;
                default: Elementwise.Copy(values.AsStridedBits<byte>(Shape, strides), Shape.Dims, AsBits<byte>()); break;
            }
            return;
        }
        values = values.Contiguous();
        int i = 0;
        foreach (int offset in ElementOffsets())
        {
            Array.Copy(values.Buffer, values.Offset + i++, Buffer, offset, 1);
        }
    }

    private void FillStrided<T>(T value)
    {
        if (IsContiguous)
        {
            AsSpan<T>().Fill(value);
            return;
        }
        var data = (T[])Buffer;
        foreach (int offset in ElementOffsets())
        {
            data[offset] = value;
        }
    }

    private void FillWith(Func<double> next)
    {
        if (DType == DType.Float32)
        {
            Span<float> span = AsSpan<float>();
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = (float)next();
            }
        }
        else if (DType == DType.Float64)
        {
            Span<double> span = AsSpan<double>();
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = next();
            }
        }
        else
        {
            throw new ArgumentException($"random uniform and normal tensors are floating point, not {DType.Name()}; use RandomInteger for integers.");
        }
    }

    // Offsets of every element in row-major order; for rare strided writes, not for kernels.
    private IEnumerable<int> ElementOffsets()
    {
        var index = new int[Rank];
        for (int n = 0; n < Size; n++)
        {
            int offset = Offset;
            for (int i = 0; i < Rank; i++)
            {
                offset += index[i] * _strides[i];
            }
            yield return offset;
            for (int i = Rank - 1; i >= 0 && ++index[i] == Shape.Dims[i]; i--)
            {
                index[i] = 0;
            }
        }
    }

    private static Tensor FromSpan<T>(ReadOnlySpan<T> data, Shape shape)
    {
        if (data.Length != shape.Size)
        {
            throw new ArgumentException($"shape {shape} holds {shape.Size} elements but the data has {data.Length}.", nameof(data));
        }
        var t = new Tensor(shape, DTypes.Of<T>());
        data.CopyTo(t.AsSpan<T>());
        return t;
    }

    private static Tensor FromRows<T>(T[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int cols = rows.Length == 0 ? 0 : rows[0].Length;
        var flat = new T[rows.Length * cols];
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length != cols)
            {
                throw new ArgumentException($"jagged array: row {r} has {rows[r].Length} elements, row 0 has {cols}.", nameof(rows));
            }
            rows[r].CopyTo(flat, r * cols);
        }
        return FromSpan<T>(flat, new Shape(rows.Length, cols));
    }
}

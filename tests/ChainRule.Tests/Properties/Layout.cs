namespace ChainRule.Tests.Properties;

/// <summary>
/// How a property's input tensor lies in memory: logical axis j has stride <c>Step[j]</c> times its natural
/// stride and starts <c>Start[j]</c> elements in, in a buffer whose axes are ordered by <c>Perm</c>
/// (physical axis i holds logical axis <c>Perm[i]</c>). The identity layout is a plain contiguous tensor;
/// every other one is a transposed and/or sliced view, with garbage in the elements it skips.
/// </summary>
internal sealed record Layout(int[] Perm, int[] Step, int[] Start)
{
    public static Layout Contiguous(int rank) => new([.. Enumerable.Range(0, rank)], [.. Enumerable.Repeat(1, rank)], new int[rank]);

    /// <summary>A view of shape <paramref name="shape"/> holding <paramref name="values"/> (row-major) in this layout.</summary>
    /// <remarks>
    /// The buffer is filled by index arithmetic here, not by the library: only FromArray, Permute and Slice
    /// (which only compute offsets and strides) stand between these values and the property.
    /// </remarks>
    public Tensor Build<T>(T[] values, int[] shape, T garbage) => Build(values, shape, garbage, out _);

    /// <inheritdoc cref="Build{T}(T[], int[], T)"/>
    /// <param name="buffer">The contiguous tensor the view looks into, garbage included.</param>
    public Tensor Build<T>(T[] values, int[] shape, T garbage, out Tensor buffer)
    {
        int rank = shape.Length;
        int[] physical = PhysicalShape(shape);
        var data = new T[Naive.Size(physical)];
        Array.Fill(data, garbage);
        int n = 0;
        foreach (int offset in Offsets(shape))
        {
            data[offset] = values[n++];
        }
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            inverse[Perm[i]] = i;
        }
        buffer = FromArray(data, physical);
        Tensor view = buffer.Permute(inverse);
        for (int j = 0; j < rank; j++)
        {
            view = view.Slice(j, Start[j], Start[j] + (shape[j] * Step[j]), Step[j]);
        }
        return view;
    }

    /// <summary>The shape of the buffer: logical axis Perm[i]'s extent (start + dim * step) at position i.</summary>
    public int[] PhysicalShape(int[] shape) => [.. Perm.Select(axis => Start[axis] + (shape[axis] * Step[axis]))];

    /// <summary>Where each element of the view (in row-major order) lies in the buffer, by index arithmetic.</summary>
    public IEnumerable<int> Offsets(int[] shape)
    {
        int rank = shape.Length;
        int[] physicalStrides = Naive.Strides(PhysicalShape(shape));
        var stride = new int[rank]; // logical axis j's stride in the buffer
        for (int i = 0; i < rank; i++)
        {
            stride[Perm[i]] = physicalStrides[i];
        }
        foreach (int[] index in Naive.Indices(shape))
        {
            int offset = 0;
            for (int j = 0; j < rank; j++)
            {
                offset += (Start[j] + (index[j] * Step[j])) * stride[j];
            }
            yield return offset;
        }
    }

    public override string ToString() => $"Layout(perm [{string.Join(", ", Perm)}], step [{string.Join(", ", Step)}], start [{string.Join(", ", Start)}])";

    private static Tensor FromArray<T>(T[] buffer, int[] shape) => buffer switch
    {
        float[] f => Tensor.FromArray(f, shape),
        double[] d => Tensor.FromArray(d, shape),
        int[] i => Tensor.FromArray(i, shape),
        long[] l => Tensor.FromArray(l, shape),
        bool[] b => Tensor.FromArray(b, shape),
        byte[] u => Tensor.FromArray(u, shape),
        _ => throw new NotSupportedException(typeof(T).Name),
    };
}

namespace ChainRule.Tests.Properties;

/// <summary>
/// The definitions the properties check the library against, written as index arithmetic over flat
/// row-major arrays: no call into ChainRule.
/// </summary>
internal static class Naive
{
    public static int Size(int[] shape) => shape.Aggregate(1, (size, dim) => size * dim);

    /// <summary>Row-major strides in elements.</summary>
    public static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }

    /// <summary>Every index of <paramref name="shape"/> in row-major order (one, the empty index, for rank 0).</summary>
    public static IEnumerable<int[]> Indices(int[] shape)
    {
        int size = Size(shape);
        var index = new int[shape.Length];
        for (int n = 0; n < size; n++)
        {
            yield return (int[])index.Clone();
            for (int i = shape.Length - 1; i >= 0 && ++index[i] == shape[i]; i--)
            {
                index[i] = 0;
            }
        }
    }

    public static int Offset(int[] index, int[] shape)
    {
        int offset = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            offset = (offset * shape[i]) + index[i];
        }
        return offset;
    }

    /// <summary>NumPy's rule: align at the last axis; each pair equal or one of them 1. Null when they clash.</summary>
    public static int[]? BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 1; i <= rank; i++)
        {
            int da = i <= a.Length ? a[^i] : 1;
            int db = i <= b.Length ? b[^i] : 1;
            if (da != db && da != 1 && db != 1)
            {
                return null;
            }
            result[^i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>The flat offset in a tensor of <paramref name="shape"/> of the element that broadcasts to <paramref name="index"/> of a larger shape.</summary>
    public static int BroadcastOffset(int[] index, int[] shape)
    {
        int lead = index.Length - shape.Length;
        int offset = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            offset = (offset * shape[i]) + (shape[i] == 1 ? 0 : index[lead + i]);
        }
        return offset;
    }

    /// <summary>Python's tuple notation, as the library's messages print shapes: (), (5,), (2, 3).</summary>
    public static string Format(int[] shape) => shape.Length switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape) + ")",
    };

    /// <summary>Exact equality that counts NaN equal to NaN (and keeps -0 equal to 0).</summary>
    public static bool Same(double x, double y) => x == y || (double.IsNaN(x) && double.IsNaN(y));
}

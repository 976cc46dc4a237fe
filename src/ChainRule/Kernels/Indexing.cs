namespace ChainRule.Kernels;

// Gather and scatter along one axis. Every tensor is contiguous and viewed as (outer, axis, inner):
// outer = product of the axes before, inner = product of the axes after. Indices are already checked.
internal static class Indexing
{
    /// <summary>y[o, j, i] = x[o, index[o, j, i], i]; x is (outer, n, inner), index and y are (outer, m, inner).</summary>
    public static void Gather<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> index, int outer, int n, int m, int inner, Span<T> destination)
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < m; j++)
            {
                int row = ((o * m) + j) * inner;
                for (int i = 0; i < inner; i++)
                {
                    destination[row + i] = x[(((o * n) + index[row + i]) * inner) + i];
                }
            }
        }
    }

    /// <summary>destination[o, index[o, j, i], i] += y[o, j, i]: the adjoint of Gather.</summary>
    public static void ScatterAdd<T>(ReadOnlySpan<T> y, ReadOnlySpan<int> index, int outer, int n, int m, int inner, Span<T> destination)
        where T : System.Numerics.IAdditionOperators<T, T, T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < m; j++)
            {
                int row = ((o * m) + j) * inner;
                for (int i = 0; i < inner; i++)
                {
                    int target = (((o * n) + index[row + i]) * inner) + i;
                    destination[target] += y[row + i];
                }
            }
        }
    }

    /// <summary>y[o, j, :] = x[o, index[j], :]; x is (outer, n, inner), y is (outer, index.Length, inner).</summary>
    public static void Select<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> index, int outer, int n, int inner, Span<T> destination)
    {
        int m = index.Length;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < m; j++)
            {
                x.Slice(((o * n) + index[j]) * inner, inner).CopyTo(destination.Slice(((o * m) + j) * inner, inner));
            }
        }
    }

    /// <summary>destination[o, index[j], :] += y[o, j, :]: the adjoint of Select.</summary>
    public static void SelectAdd<T>(ReadOnlySpan<T> y, ReadOnlySpan<int> index, int outer, int n, int inner, Span<T> destination)
        where T : System.Numerics.IAdditionOperators<T, T, T>
    {
        int m = index.Length;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < m; j++)
            {
                Span<T> target = destination.Slice(((o * n) + index[j]) * inner, inner);
                ReadOnlySpan<T> source = y.Slice(((o * m) + j) * inner, inner);
                for (int i = 0; i < inner; i++)
                {
                    target[i] += source[i];
                }
            }
        }
    }

    /// <summary>Copies x, (outer, n, inner), into columns [start, start + n) of destination, (outer, total, inner).</summary>
    public static void CopyInto<T>(ReadOnlySpan<T> x, int outer, int n, int inner, int start, int total, Span<T> destination)
    {
        for (int o = 0; o < outer; o++)
        {
            x.Slice(o * n * inner, n * inner).CopyTo(destination.Slice(((o * total) + start) * inner, n * inner));
        }
    }
}

namespace ChainRule.Kernels;

// A loop nest over an n-d index space shared by up to three operands (inputs and destination),
// each with its own strides. Kernels walk the outer dimensions with an Odometer and hand each
// innermost row to a span function, so no index arithmetic happens per element.
internal static class LoopNest
{
    // NOTE: rank is unbounded in principle; above this, scratch arrays come from the heap.
    public const int StackRank = 16;

    /// <summary>
    /// Simplifies the nest in place and returns its new rank: drops size-1 dimensions and merges
    /// dimension i into i+1 when every operand walks both as one (stride[i] == stride[i+1] * shape[i+1]).
    /// A 0-d or all-ones nest comes back as rank 0 (a single element).
    /// </summary>
    public static int Coalesce(Span<int> shape, Span<int> s0, Span<int> s1, Span<int> s2)
    {
        int rank = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1)
            {
                continue;
            }
            if (rank > 0 && CanMerge(rank - 1, i, shape, s0) && CanMerge(rank - 1, i, shape, s1) && CanMerge(rank - 1, i, shape, s2))
            {
                shape[rank - 1] *= shape[i];
                s0[rank - 1] = s0[i];
                s1[rank - 1] = s1[i];
                s2[rank - 1] = s2[i];
                continue;
            }
            shape[rank] = shape[i];
            s0[rank] = s0[i];
            s1[rank] = s1[i];
            s2[rank] = s2[i];
            rank++;
        }
        return rank;
    }

    private static bool CanMerge(int outer, int inner, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides) =>
        strides[outer] == strides[inner] * shape[inner];

    /// <summary>Row-major strides for a contiguous destination of this shape.</summary>
    public static void ContiguousStrides(ReadOnlySpan<int> shape, Span<int> strides)
    {
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }
    }
}

/// <summary>
/// Walks the outer dimensions of a coalesced loop nest in row-major order, keeping one running
/// offset per operand. Call <see cref="Next"/> after each innermost row.
/// </summary>
internal ref struct Odometer(ReadOnlySpan<int> shape, ReadOnlySpan<int> s0, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2, Span<int> index)
{
    private readonly ReadOnlySpan<int> _shape = shape;
    private readonly ReadOnlySpan<int> _s0 = s0;
    private readonly ReadOnlySpan<int> _s1 = s1;
    private readonly ReadOnlySpan<int> _s2 = s2;
    private readonly Span<int> _index = index;

    public int Offset0;
    public int Offset1;
    public int Offset2;

    public void Next()
    {
        for (int d = _shape.Length - 1; d >= 0; d--)
        {
            Offset0 += _s0[d];
            Offset1 += _s1[d];
            Offset2 += _s2[d];
            if (++_index[d] < _shape[d])
            {
                return;
            }
            Offset0 -= _s0[d] * _shape[d];
            Offset1 -= _s1[d] * _shape[d];
            Offset2 -= _s2[d] * _shape[d];
            _index[d] = 0;
        }
    }
}

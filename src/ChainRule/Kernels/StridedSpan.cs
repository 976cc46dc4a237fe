namespace ChainRule.Kernels;

/// <summary>
/// Read-only n-d data as kernels see it: the span starts at element (0, 0, ...), and Strides holds one
/// step per dimension of the loop nest, in elements (0 where the operand is broadcast).
/// </summary>
internal readonly ref struct StridedSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> strides)
{
    public readonly ReadOnlySpan<T> Data = data;
    public readonly ReadOnlySpan<int> Strides = strides;
}

using System.Numerics;

namespace ChainRule.Kernels;

// Comparisons: two operands of one type in, bools out. Written as plain loops over an INumber op:
// the JIT turns each into compare + setcc, no branch; the operands are contiguous rows (a broadcast
// operand is materialized first, or passed as one value). NaN compares unequal to everything, as IEEE says.

/// <summary>A comparison of two values.</summary>
internal interface IComparisonOp
{
    static abstract bool Invoke<T>(T x, T y) where T : unmanaged, INumber<T>;
}

internal readonly struct EqualOp : IComparisonOp
{
    public static bool Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x == y;
}

internal readonly struct NotEqualOp : IComparisonOp
{
    public static bool Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x != y;
}

internal readonly struct LessOp : IComparisonOp
{
    public static bool Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x < y;
}

internal readonly struct LessEqualOp : IComparisonOp
{
    public static bool Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x <= y;
}

internal readonly struct GreaterOp : IComparisonOp
{
    public static bool Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x > y;
}

internal readonly struct GreaterEqualOp : IComparisonOp
{
    public static bool Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x >= y;
}

internal static class Comparison
{
    public static void Run<TOp, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> destination)
        where TOp : IComparisonOp
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = TOp.Invoke(x[i], y[i]);
        }
    }

    public static void Run<TOp, T>(ReadOnlySpan<T> x, T y, Span<bool> destination)
        where TOp : IComparisonOp
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = TOp.Invoke(x[i], y);
        }
    }

    public static void Run<TOp, T>(T x, ReadOnlySpan<T> y, Span<bool> destination)
        where TOp : IComparisonOp
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = TOp.Invoke(x, y[i]);
        }
    }

    /// <summary>destination[i] = condition[i] ? x[i] : y[i], on raw element bits.</summary>
    public static void Select<T>(ReadOnlySpan<bool> condition, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = condition[i] ? x[i] : y[i];
        }
    }
}

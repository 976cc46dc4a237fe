using System.Numerics;
using System.Numerics.Tensors;

namespace ChainRule.Kernels;

// Integer elementwise math (Int32, Int64, UInt8, and Bool viewed as the bytes 0 and 1), with PyTorch's
// semantics: overflow wraps (C#'s unchecked arithmetic), floor division and remainder round toward
// negative infinity (the remainder has the divisor's sign), division by zero is refused before any kernel
// runs. TensorPrimitives has integer overloads for most of it; the rest is a scalar loop.

/// <summary>z = f(x, y) on integers, over a row with either side possibly a broadcast scalar.</summary>
internal interface IIntegerBinaryOp
{
    static abstract T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T>;

    static abstract void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T>;

    static abstract void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T>;

    static abstract void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T>;
}

/// <summary>An integer op written once per element; the span forms loop over it.</summary>
internal interface IIntegerScalarOp
{
    static abstract T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T>;
}

/// <summary>Span forms of an <see cref="IIntegerScalarOp"/>, as plain loops.</summary>
internal readonly struct IntegerLoop<TOp> : IIntegerBinaryOp where TOp : IIntegerScalarOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => TOp.Invoke(x, y);

    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = TOp.Invoke(x[i], y[i]);
        }
    }

    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = TOp.Invoke(x[i], y);
        }
    }

    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = TOp.Invoke(x, y[i]);
        }
    }
}

/// <summary>x + y, wrapping</summary>
internal readonly struct IntegerAddOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => x + y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Add(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Add(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Add(y, x, d);
}

/// <summary>x - y, wrapping</summary>
internal readonly struct IntegerSubtractOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => x - y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Subtract(x, y, d);
}

/// <summary>x * y, wrapping</summary>
internal readonly struct IntegerMultiplyOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => x * y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Multiply(y, x, d);
}

/// <summary>max(x, y)</summary>
internal readonly struct IntegerMaximumOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => T.Max(x, y);
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Max(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Max(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Max(y, x, d);
}

/// <summary>min(x, y)</summary>
internal readonly struct IntegerMinimumOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => T.Min(x, y);
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Min(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Min(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Min(y, x, d);
}

/// <summary>x &amp; y</summary>
internal readonly struct BitwiseAndOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => x & y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.BitwiseAnd(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.BitwiseAnd(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.BitwiseAnd(y, x, d);
}

/// <summary>x | y</summary>
internal readonly struct BitwiseOrOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => x | y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.BitwiseOr(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.BitwiseOr(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.BitwiseOr(y, x, d);
}

/// <summary>x ^ y (exclusive or)</summary>
internal readonly struct BitwiseXorOp : IIntegerBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T> => x ^ y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Xor(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Xor(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryInteger<T> => TensorPrimitives.Xor(y, x, d);
}

/// <summary>floor(x / y); y is never 0 here (refused before). MinValue / -1 wraps to MinValue, as two's complement.</summary>
internal readonly struct IntegerFloorDivideOp : IIntegerScalarOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T>
    {
        if (y == -T.One && T.IsNegative(y))
        {
            return T.Zero - x; // x / -1 traps for MinValue in .NET; two's complement wraps
        }
        T q = x / y;
        return (x % y != T.Zero) && (T.IsNegative(x) != T.IsNegative(y)) ? q - T.One : q;
    }
}

/// <summary>x - floor(x / y) * y: the remainder with the divisor's sign (Python's %, torch.remainder); y is never 0 here.</summary>
internal readonly struct IntegerRemainderOp : IIntegerScalarOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T>
    {
        if (y == -T.One && T.IsNegative(y))
        {
            return T.Zero;
        }
        T r = x % y;
        return r != T.Zero && (T.IsNegative(r) != T.IsNegative(y)) ? r + y : r;
    }
}

/// <summary>x ^ y by repeated squaring, wrapping; a negative exponent is refused before (PyTorch refuses it too).</summary>
internal readonly struct IntegerPowOp : IIntegerScalarOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IBinaryInteger<T>
    {
        T result = T.One;
        T b = x;
        T e = y;
        while (e != T.Zero)
        {
            if (!T.IsEvenInteger(e))
            {
                result *= b;
            }
            b *= b;
            e >>>= 1;
        }
        return result;
    }
}

/// <summary>The floating-point floor division and remainder PyTorch computes (through fmod, so that x = q*y + r holds as closely as it can).</summary>
internal static class FloatDivision
{
    public static T FloorDivide<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (b == T.Zero)
        {
            return a / b;
        }
        T mod = Fmod(a, b);
        T div = (a - mod) / b;
        if (mod != T.Zero && (b < T.Zero) != (mod < T.Zero))
        {
            div -= T.One;
        }
        if (div == T.Zero)
        {
            return T.CopySign(T.Zero, a / b);
        }
        T floor = T.Floor(div);
        if (div - floor > T.CreateTruncating(0.5))
        {
            floor += T.One;
        }
        return floor;
    }

    public static T Remainder<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T mod = Fmod(a, b);
        return mod != T.Zero && (b < T.Zero) != (mod < T.Zero) ? mod + b : mod;
    }

    // C's fmod: the remainder of truncated division, with the dividend's sign (C#'s % on floating point).
    private static T Fmod<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => a % b;
}

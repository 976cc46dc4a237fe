using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace ChainRule.Kernels;

// The elementwise math, one struct per op. TensorPrimitives supplies most of it; the rest is declared
// once as scalar + Vector256 (VectorLoop) or, for special functions, as a plain scalar loop.

// ---- binary, from TensorPrimitives ---------------------------------------------------------

/// <summary>x + y</summary>
internal readonly struct AddOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x + y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(y, x, d);
}

/// <summary>x - y</summary>
internal readonly struct SubtractOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x - y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, y, d);
}

/// <summary>x * y</summary>
internal readonly struct MultiplyOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x * y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(y, x, d);
}

/// <summary>x / y</summary>
internal readonly struct DivideOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => x / y;
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, y, d);
}

/// <summary>x ^ y</summary>
internal readonly struct PowOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(x, y);
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Pow(x, y, d);
}

/// <summary>max(x, y), NaN if either is NaN</summary>
internal readonly struct MaximumOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => T.Max(x, y);
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(y, x, d);
}

/// <summary>min(x, y), NaN if either is NaN</summary>
internal readonly struct MinimumOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => T.Min(x, y);
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(x, y, d);
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(x, y, d);
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Min(y, x, d);
}

// ---- unary, from TensorPrimitives ----------------------------------------------------------

/// <summary>-x</summary>
internal readonly struct NegateOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => -x;
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Negate(x, d);
}

/// <summary>e^x</summary>
internal readonly struct ExpOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, d);
}

/// <summary>ln x</summary>
internal readonly struct LogOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, d);
}

/// <summary>sqrt x</summary>
internal readonly struct SqrtOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, d);
}

/// <summary>|x|</summary>
internal readonly struct AbsOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs(x, d);
}

/// <summary>sin x</summary>
internal readonly struct SinOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sin(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sin(x, d);
}

/// <summary>arcsin x (NaN outside [-1, 1])</summary>
internal readonly struct AsinOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Asin(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Asin(x, d);
}

/// <summary>cos x</summary>
internal readonly struct CosOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Cos(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Cos(x, d);
}

/// <summary>tanh x</summary>
internal readonly struct TanhOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Tanh(x, d);
}

/// <summary>1 / (1 + e^-x)</summary>
internal readonly struct SigmoidOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(x, d);
}

/// <summary>max(x, 0); NaN stays NaN</summary>
internal readonly struct ReluOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Max(x, T.Zero);
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Max(x, T.Zero, d);
}

// ---- written here: scalar + Vector256 ------------------------------------------------------

/// <summary>sign x: -1, 0 or 1 (NaN stays NaN)</summary>
internal readonly struct SignOp : IScalarUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        x > T.Zero ? T.One : x < T.Zero ? -T.One : x;

    public static Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -Vector256<T>.One, x));
}

/// <summary>x &gt; 0 ? x : x * slope (y is the slope)</summary>
internal readonly struct LeakyReluOp : IScalarBinaryOp
{
    public static T Invoke<T>(T x, T slope) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? x : x * slope;

    public static Vector256<T> Invoke<T>(Vector256<T> x, Vector256<T> slope) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, x * slope);
}

// ---- fused activation gradients: one pass instead of three (scalar + Vector256) ------------

/// <summary>gy * (1 - y^2): tanh's gradient from its output y</summary>
internal readonly struct TanhGradOp : IScalarBinaryOp
{
    public static T Invoke<T>(T gy, T y) where T : unmanaged, IFloatingPointIeee754<T> => gy * (T.One - (y * y));

    public static Vector256<T> Invoke<T>(Vector256<T> gy, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        gy * (Vector256<T>.One - (y * y));
}

/// <summary>gy * y * (1 - y): the sigmoid's gradient from its output y</summary>
internal readonly struct SigmoidGradOp : IScalarBinaryOp
{
    public static T Invoke<T>(T gy, T y) where T : unmanaged, IFloatingPointIeee754<T> => gy * y * (T.One - y);

    public static Vector256<T> Invoke<T>(Vector256<T> gy, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T> =>
        gy * y * (Vector256<T>.One - y);
}

/// <summary>x &gt; 0 ? gy : 0: ReLU's gradient from its input x</summary>
internal readonly struct ReluGradOp : IScalarBinaryOp
{
    public static T Invoke<T>(T gy, T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? gy : T.Zero;

    public static Vector256<T> Invoke<T>(Vector256<T> gy, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), gy, Vector256<T>.Zero);
}

// ---- special functions: scalar loops (no vector form here) ---------------------------------

/// <summary>erf x, the Gauss error function</summary>
internal readonly struct ErfOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x)));

    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            d[i] = Invoke(x[i]);
        }
    }
}

/// <summary>x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)), the exact GELU (Hendrycks and Gimpel, 2016)</summary>
internal readonly struct GeluOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(x);
        return T.CreateTruncating(0.5 * v * (1.0 + SpecialFunctions.Erf(v * SpecialFunctions.InvSqrt2)));
    }

    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            d[i] = Invoke(x[i]);
        }
    }
}

/// <summary>ln(1 + e^x), computed as max(x, 0) + ln(1 + e^-|x|) so large |x| neither overflows nor loses x</summary>
internal readonly struct SoftplusOp : IUnaryOp
{
    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Max(x, T.Zero) + T.LogP1(T.Exp(-T.Abs(x)));

    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            d[i] = Invoke(x[i]);
        }
    }
}

/// <summary>floor(x / y) as PyTorch computes it (through fmod)</summary>
internal readonly struct FloorDivideOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => FloatDivision.FloorDivide(x, y);
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = FloatDivision.FloorDivide(x[i], y[i]);
        }
    }
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = FloatDivision.FloorDivide(x[i], y);
        }
    }
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = FloatDivision.FloorDivide(x, y[i]);
        }
    }
}

/// <summary>x - floor(x / y) * y, with the divisor's sign (torch.remainder, Python's %)</summary>
internal readonly struct RemainderOp : IBinaryOp
{
    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => FloatDivision.Remainder(x, y);
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = FloatDivision.Remainder(x[i], y[i]);
        }
    }
    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = FloatDivision.Remainder(x[i], y);
        }
    }
    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = FloatDivision.Remainder(x, y[i]);
        }
    }
}

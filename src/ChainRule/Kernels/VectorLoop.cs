using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ChainRule.Kernels;

// The one SIMD loop for elementwise math that TensorPrimitives does not have. An op declares its
// math once, as a scalar and a Vector256 function (the operator-struct pattern of TensorPrimitives);
// these loops apply it: full vectors first, then a scalar tail. Without hardware vectors, or when
// forced by tests, the scalar function does all the work: that is the portable fallback.

/// <summary>y = f(x), declared once for scalars and for Vector256 lanes.</summary>
internal interface IScalarUnaryOp
{
    static abstract T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    static abstract Vector256<T> Invoke<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>z = f(x, y), declared once for scalars and for Vector256 lanes.</summary>
internal interface IScalarBinaryOp
{
    static abstract T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T>;

    static abstract Vector256<T> Invoke<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal static class VectorLoop
{
    // The scalar fallback alone runs when the hardware has no vectors (CI runs the kernel tests a second
    // time with DOTNET_EnableHWIntrinsic=0), and for the tail of every call.
    private static bool UseVectors<T>(int length) => Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count;

    public static void Unary<TOp, T>(ReadOnlySpan<T> x, Span<T> destination)
        where TOp : IScalarUnaryOp
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, x.Length, destination.Length);
        int i = 0;
        if (UseVectors<T>(x.Length))
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T dr = ref MemoryMarshal.GetReference(destination);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            destination[i] = TOp.Invoke(x[i]);
        }
    }

    public static void Binary<TOp, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where TOp : IScalarBinaryOp
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, y.Length, destination.Length);
        int i = 0;
        if (UseVectors<T>(x.Length))
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T yr = ref MemoryMarshal.GetReference(y);
            ref T dr = ref MemoryMarshal.GetReference(destination);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            destination[i] = TOp.Invoke(x[i], y[i]);
        }
    }

    public static void Binary<TOp, T>(ReadOnlySpan<T> x, T y, Span<T> destination)
        where TOp : IScalarBinaryOp
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, x.Length, destination.Length);
        int i = 0;
        if (UseVectors<T>(x.Length))
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T dr = ref MemoryMarshal.GetReference(destination);
            var yv = Vector256.Create(y);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), yv).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            destination[i] = TOp.Invoke(x[i], y);
        }
    }

    public static void Binary<TOp, T>(T x, ReadOnlySpan<T> y, Span<T> destination)
        where TOp : IScalarBinaryOp
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(y.Length, y.Length, destination.Length);
        int i = 0;
        if (UseVectors<T>(y.Length))
        {
            ref T yr = ref MemoryMarshal.GetReference(y);
            ref T dr = ref MemoryMarshal.GetReference(destination);
            var xv = Vector256.Create(x);
            for (; i <= y.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                TOp.Invoke(xv, Vector256.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < y.Length; i++)
        {
            destination[i] = TOp.Invoke(x, y[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckLengths(int x, int y, int destination)
    {
        if (x != y || destination < x)
        {
            throw new ArgumentException($"elementwise kernel: input lengths {x} and {y}, destination length {destination}.");
        }
    }
}

/// <summary>Adapts a scalar+vector op to the row interface the broadcasting driver calls.</summary>
internal readonly struct Vectorized<TOp> : IBinaryOp
    where TOp : IScalarBinaryOp
{
    public static void Invoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Binary<TOp, T>(x, y, destination);

    public static void Invoke<T>(ReadOnlySpan<T> x, T y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Binary<TOp, T>(x, y, destination);

    public static void Invoke<T>(T x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Binary<TOp, T>(x, y, destination);

    public static T Invoke<T>(T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => TOp.Invoke(x, y);
}

/// <summary>Adapts a scalar+vector unary op to the row interface.</summary>
internal readonly struct VectorizedUnary<TOp> : IUnaryOp
    where TOp : IScalarUnaryOp
{
    public static void Invoke<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T> => VectorLoop.Unary<TOp, T>(x, destination);

    public static T Invoke<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => TOp.Invoke(x);
}

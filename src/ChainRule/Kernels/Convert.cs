using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ChainRule.Kernels;

/// <summary>
/// Element type conversion between the six storage types, with PyTorch's rules: floating to integer
/// truncates toward zero (saturating, NaN to 0, as .NET's CreateSaturating), integer to a narrower integer
/// wraps (two's complement, as C), anything to bool is "not zero", bool to a number is 0 or 1.
/// </summary>
internal static class Convert
{
    /// <summary>count elements from source[sourceOffset..] (contiguous) into the start of destination.</summary>
    public static void Run(Array source, DType from, int sourceOffset, Array destination, DType to, int count)
    {
        switch (from)
        {
            case DType.Float32: From(new ReadOnlySpan<float>((float[])source, sourceOffset, count), destination, to); break;
            case DType.Float64: From(new ReadOnlySpan<double>((double[])source, sourceOffset, count), destination, to); break;
            case DType.Int32: From(new ReadOnlySpan<int>((int[])source, sourceOffset, count), destination, to); break;
            case DType.Int64: From(new ReadOnlySpan<long>((long[])source, sourceOffset, count), destination, to); break;
            case DType.Bool: From(MemoryMarshal.Cast<bool, byte>(new ReadOnlySpan<bool>((bool[])source, sourceOffset, count)), destination, to); break; // bools are the bytes 0 and 1
            default: From(new ReadOnlySpan<byte>((byte[])source, sourceOffset, count), destination, to); break;
        }
    }

    /// <summary>A double written into an integer element: truncated toward zero, saturating (NaN to 0).</summary>
    public static T ToInteger<T>(double value) where T : IBinaryInteger<T> => T.CreateSaturating(Math.Truncate(value));

    private static void From<TFrom>(ReadOnlySpan<TFrom> x, Array destination, DType to)
        where TFrom : unmanaged, INumber<TFrom>
    {
        int n = x.Length;
        switch (to)
        {
            case DType.Float32: TensorPrimitives.ConvertTruncating<TFrom, float>(x, ((float[])destination).AsSpan(0, n)); break;
            case DType.Float64: TensorPrimitives.ConvertTruncating<TFrom, double>(x, ((double[])destination).AsSpan(0, n)); break;
            case DType.Int32: Integer(x, ((int[])destination).AsSpan(0, n)); break;
            case DType.Int64: Integer(x, ((long[])destination).AsSpan(0, n)); break;
            case DType.UInt8: Integer(x, ((byte[])destination).AsSpan(0, n)); break;
            default:
                Span<bool> d = ((bool[])destination).AsSpan(0, n);
                for (int i = 0; i < n; i++)
                {
                    d[i] = x[i] != TFrom.Zero;
                }
                break;
        }
    }

    private static void Integer<TFrom, TTo>(ReadOnlySpan<TFrom> x, Span<TTo> d)
        where TFrom : unmanaged, INumber<TFrom>
        where TTo : unmanaged, IBinaryInteger<TTo>
    {
        if (typeof(TFrom) == typeof(float) || typeof(TFrom) == typeof(double))
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = TTo.CreateSaturating(x[i]); // truncates toward zero; NaN gives 0
            }
        }
        else
        {
            TensorPrimitives.ConvertTruncating<TFrom, TTo>(x, d); // integer to integer: the low bits, as C's cast
        }
    }
}

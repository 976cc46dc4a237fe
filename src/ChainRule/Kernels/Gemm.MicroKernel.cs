// The micro-kernels: C[MR x NR] = (accumulate ? C : 0) + Ap[MR x kc] * Bp[kc x NR], C held in registers.
// Ap is a packed micro-panel of A, p-major: Ap[p * MR + i]. Bp is one of B: Bp[p * NR + j].
// Each C element is acc = 0; acc = fma(a[i, p], b[p, j], acc) for p = 0 .. kc-1; C = C + acc.
// Every kernel (Vector512, Vector256, scalar) does exactly that sequence per element, so they
// give bit-identical results: a vector FMA lane is the same IEEE fused multiply-add as the scalar one.
// Tiles: Vector512 8 x 2 vectors (8 x 32 float, 8 x 16 double): 16 accumulators + 2 B rows + 1 broadcast
// of the 32 zmm registers. 6x32, 12x32, 14x32 and 8x48 measured the same on hot data (~98% of
// one-core FMA peak); 8 rows divide the MLP shapes (64, 256, 784) exactly, so 8 x 32 wastes no work.
// Vector256 6 x 2 vectors: 12 accumulators + 3 fits the 16 ymm registers of AVX2 hardware.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChainRule.Kernels;

/// <summary>Which micro-kernel Gemm runs. Auto picks the widest the hardware accelerates.</summary>
internal enum GemmKernel
{
    Auto,
    Vector512,
    Vector256,
    Scalar,
}

internal static partial class Gemm
{
    /// <summary>Register tile of the Vector512 kernel: MR rows by two vectors.</summary>
    private const int MR512 = 8;

    /// <summary>Register tile of the Vector256 kernel: MR rows by two vectors.</summary>
    private const int MR256 = 6;

    /// <summary>Register tile of the scalar kernel: MR x NR.</summary>
    private const int MRScalar = 4;

    private const int NRScalar = 4;

    /// <summary>C[MR x NR] = (accumulate ? C : 0) + Ap * Bp with the chosen kernel (see the file header).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel<T>(GemmKernel kernel, int kc, ref T ap, ref T bp, ref T c, nint ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (kernel == GemmKernel.Vector512)
        {
            MicroKernel512(kc, ref ap, ref bp, ref c, ldc, accumulate);
        }
        else if (kernel == GemmKernel.Vector256)
        {
            MicroKernel256(kc, ref ap, ref bp, ref c, ldc, accumulate);
        }
        else
        {
            MicroKernelScalar(kc, ref ap, ref bp, ref c, ldc, accumulate);
        }
    }

    /// <summary>8 x 2 Vector512 tile: per p, two B loads, eight broadcasts of A, sixteen FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel512<T>(int kc, ref T ap, ref T bp, ref T c, nint ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint v = (nuint)Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.LoadUnsafe(ref bp);
            Vector512<T> b1 = Vector512.LoadUnsafe(ref bp, v);
            Vector512<T> a0 = Vector512.Create(ap);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            a0 = Vector512.Create(Unsafe.Add(ref ap, 1));
            c10 = Fma(a0, b0, c10);
            c11 = Fma(a0, b1, c11);
            a0 = Vector512.Create(Unsafe.Add(ref ap, 2));
            c20 = Fma(a0, b0, c20);
            c21 = Fma(a0, b1, c21);
            a0 = Vector512.Create(Unsafe.Add(ref ap, 3));
            c30 = Fma(a0, b0, c30);
            c31 = Fma(a0, b1, c31);
            a0 = Vector512.Create(Unsafe.Add(ref ap, 4));
            c40 = Fma(a0, b0, c40);
            c41 = Fma(a0, b1, c41);
            a0 = Vector512.Create(Unsafe.Add(ref ap, 5));
            c50 = Fma(a0, b0, c50);
            c51 = Fma(a0, b1, c51);
            a0 = Vector512.Create(Unsafe.Add(ref ap, 6));
            c60 = Fma(a0, b0, c60);
            c61 = Fma(a0, b1, c61);
            a0 = Vector512.Create(Unsafe.Add(ref ap, 7));
            c70 = Fma(a0, b0, c70);
            c71 = Fma(a0, b1, c71);
            ap = ref Unsafe.Add(ref ap, MR512);
            bp = ref Unsafe.Add(ref bp, 2 * v);
        }

        Store(c00, c01, ref c, accumulate);
        Store(c10, c11, ref Unsafe.Add(ref c, ldc), accumulate);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), accumulate);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), accumulate);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), accumulate);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), accumulate);
        Store(c60, c61, ref Unsafe.Add(ref c, 6 * ldc), accumulate);
        Store(c70, c71, ref Unsafe.Add(ref c, 7 * ldc), accumulate);
    }

    /// <summary>6 x 2 Vector256 tile: per p, two B loads, six broadcasts of A, twelve FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel256<T>(int kc, ref T ap, ref T bp, ref T c, nint ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint v = (nuint)Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<T> c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.LoadUnsafe(ref bp);
            Vector256<T> b1 = Vector256.LoadUnsafe(ref bp, v);
            Vector256<T> a0 = Vector256.Create(ap);
            c00 = Fma(a0, b0, c00);
            c01 = Fma(a0, b1, c01);
            a0 = Vector256.Create(Unsafe.Add(ref ap, 1));
            c10 = Fma(a0, b0, c10);
            c11 = Fma(a0, b1, c11);
            a0 = Vector256.Create(Unsafe.Add(ref ap, 2));
            c20 = Fma(a0, b0, c20);
            c21 = Fma(a0, b1, c21);
            a0 = Vector256.Create(Unsafe.Add(ref ap, 3));
            c30 = Fma(a0, b0, c30);
            c31 = Fma(a0, b1, c31);
            a0 = Vector256.Create(Unsafe.Add(ref ap, 4));
            c40 = Fma(a0, b0, c40);
            c41 = Fma(a0, b1, c41);
            a0 = Vector256.Create(Unsafe.Add(ref ap, 5));
            c50 = Fma(a0, b0, c50);
            c51 = Fma(a0, b1, c51);
            ap = ref Unsafe.Add(ref ap, MR256);
            bp = ref Unsafe.Add(ref bp, 2 * v);
        }

        Store(c00, c01, ref c, accumulate);
        Store(c10, c11, ref Unsafe.Add(ref c, ldc), accumulate);
        Store(c20, c21, ref Unsafe.Add(ref c, 2 * ldc), accumulate);
        Store(c30, c31, ref Unsafe.Add(ref c, 3 * ldc), accumulate);
        Store(c40, c41, ref Unsafe.Add(ref c, 4 * ldc), accumulate);
        Store(c50, c51, ref Unsafe.Add(ref c, 5 * ldc), accumulate);
    }

    /// <summary>4 x 4 scalar tile for hardware without vectors (and as a check on the vector kernels).</summary>
    private static void MicroKernelScalar<T>(int kc, ref T ap, ref T bp, ref T c, nint ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> acc = stackalloc T[MRScalar * NRScalar];
        acc.Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < MRScalar; i++)
            {
                T aip = Unsafe.Add(ref ap, (p * MRScalar) + i);
                for (int j = 0; j < NRScalar; j++)
                {
                    acc[(i * NRScalar) + j] = T.FusedMultiplyAdd(aip, Unsafe.Add(ref bp, (p * NRScalar) + j), acc[(i * NRScalar) + j]);
                }
            }
        }

        for (int i = 0; i < MRScalar; i++)
        {
            for (int j = 0; j < NRScalar; j++)
            {
                ref T cij = ref Unsafe.Add(ref c, (i * ldc) + j);
                cij = accumulate ? cij + acc[(i * NRScalar) + j] : acc[(i * NRScalar) + j];
            }
        }
    }

    // C[0 .. 2V) = (accumulate ? C : 0) + (lo, hi): one row of a register tile.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Vector512<T> lo, Vector512<T> hi, ref T c, bool accumulate)
    {
        nuint v = (nuint)Vector512<T>.Count;
        if (accumulate)
        {
            lo += Vector512.LoadUnsafe(ref c);
            hi += Vector512.LoadUnsafe(ref c, v);
        }

        lo.StoreUnsafe(ref c);
        hi.StoreUnsafe(ref c, v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Vector256<T> lo, Vector256<T> hi, ref T c, bool accumulate)
    {
        nuint v = (nuint)Vector256<T>.Count;
        if (accumulate)
        {
            lo += Vector256.LoadUnsafe(ref c);
            hi += Vector256.LoadUnsafe(ref c, v);
        }

        lo.StoreUnsafe(ref c);
        hi.StoreUnsafe(ref c, v);
    }

    // a * b + c rounded once. The typeof checks fold away when the JIT specialises T.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }
}

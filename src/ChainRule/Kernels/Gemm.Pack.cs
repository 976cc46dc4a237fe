// PackA and PackB: copy a block of op(A) or op(B) into the contiguous micro-panels the micro-kernel reads.
// Ap (mc x kc) becomes ceil(mc / MR) panels, each p-major: Ap[panel][p * MR + i] = op(A)[i, p].
// Bp (kc x nc) becomes ceil(nc / NR) panels, each p-major: Bp[panel][p * NR + j] = op(B)[p, j].
// Edge panels are padded with zeros, so the kernel always runs a full MR x NR tile and the padded
// rows and columns never reach C. Transposes are handled here, by strides, never materialised.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChainRule.Kernels;

internal static partial class Gemm
{
    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into mc/MR panels of MR x kc.</summary>
    private static void PackA<T>(ReadOnlySpan<T> a, int lda, bool transA, int i0, int mc, int p0, int kc, int mr, Span<T> ap)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // op(A)[i, p] is a[i * lda + p], or a[p * lda + i] when A is stored transposed (k x m).
        (nint strideI, nint strideP) = transA ? ((nint)1, (nint)lda) : ((nint)lda, (nint)1);
        ref T origin = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), (i0 * strideI) + (p0 * strideP));
        for (int ir = 0; ir < mc; ir += mr)
        {
            PackPanel(ref Unsafe.Add(ref origin, ir * strideI), strideI, strideP, Math.Min(mr, mc - ir), mr, kc, ap.Slice(ir * kc, mr * kc));
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into nc/NR panels of kc x NR.</summary>
    private static void PackB<T>(ReadOnlySpan<T> b, int ldb, bool transB, int p0, int kc, int j0, int nc, int nr, Span<T> bp)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // op(B)[p, j] is b[p * ldb + j], or b[j * ldb + p] when B is stored transposed (n x k).
        (nint strideJ, nint strideP) = transB ? ((nint)ldb, (nint)1) : ((nint)1, (nint)ldb);
        ref T origin = ref Unsafe.Add(ref MemoryMarshal.GetReference(b), (j0 * strideJ) + (p0 * strideP));
        for (int jr = 0; jr < nc; jr += nr)
        {
            PackPanel(ref Unsafe.Add(ref origin, jr * strideJ), strideJ, strideP, Math.Min(nr, nc - jr), nr, kc, bp.Slice(jr * kc, nr * kc));
        }
    }

    // panel[p * width + x] = src[x * strideX + p * strideP] for x < count, 0 for count <= x < width.
    // The one loop behind PackA and PackB: x is the row of A or the column of B. One of the two strides
    // is always 1 (the storage is row-major), which picks the branch below.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPanel<T>(ref T src, nint strideX, nint strideP, int count, int width, int kc, Span<T> panel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (count < width)
        {
            panel.Clear();
        }

        ref T dst = ref MemoryMarshal.GetReference(panel);
        if (strideX == 1)
        {
            // Each p is a contiguous run of count elements: B not transposed, or A transposed.
            for (int p = 0; p < kc; p++)
            {
                CopyRun(ref Unsafe.Add(ref src, p * strideP), ref Unsafe.Add(ref dst, p * width), count);
            }
        }
        else
        {
            // strideP is 1: each x is a contiguous run over p (A not transposed, or B transposed),
            // so this is a transposing copy.
            // Eight rows at a time, so each p writes one vector of the panel from eight scalar loads.
            int x = 0;
            if ((typeof(T) == typeof(float) || typeof(T) == typeof(double)) && Vector256.IsHardwareAccelerated)
            {
                for (; x + 8 <= count; x += 8)
                {
                    ref T rows = ref Unsafe.Add(ref src, x * strideX);
                    ref T columns = ref Unsafe.Add(ref dst, x);
                    if (typeof(T) == typeof(float))
                    {
                        Transpose8(ref Unsafe.As<T, float>(ref rows), strideX, kc, ref Unsafe.As<T, float>(ref columns), width);
                    }
                    else
                    {
                        Transpose8(ref Unsafe.As<T, double>(ref rows), strideX, kc, ref Unsafe.As<T, double>(ref columns), width);
                    }
                }
            }

            for (; x < count; x++)
            {
                ref T row = ref Unsafe.Add(ref src, x * strideX);
                ref T column = ref Unsafe.Add(ref dst, x);
                for (int p = 0; p < kc; p++)
                {
                    column = row;
                    row = ref Unsafe.Add(ref row, 1);
                    column = ref Unsafe.Add(ref column, width);
                }
            }
        }
    }

    // dst[p * width + x] = src[x * stride + p] for x < 8, p < kc: eight scalar loads, one 8-wide store.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8(ref float src, nint stride, int kc, ref float dst, int width)
    {
        ref float r0 = ref src;
        ref float r4 = ref Unsafe.Add(ref src, 4 * stride);
        nint s2 = 2 * stride, s3 = 3 * stride;
        int p = 0;
        if (Avx.IsSupported)
        {
            // NOTE: x86 only because the cross-platform API has no two-source shuffle; this 8 x 8
            // register transpose makes the pack 2-3x faster than the scalar loads below.
            for (; p + 8 <= kc; p += 8)
            {
                Transpose8x8(ref Unsafe.Add(ref r0, p), stride, ref dst, width);
                dst = ref Unsafe.Add(ref dst, 8 * width);
            }

            r0 = ref Unsafe.Add(ref r0, p);
            r4 = ref Unsafe.Add(ref r4, p);
        }

        for (; p < kc; p++)
        {
            Vector256.Create(
                r0, Unsafe.Add(ref r0, stride), Unsafe.Add(ref r0, s2), Unsafe.Add(ref r0, s3),
                r4, Unsafe.Add(ref r4, stride), Unsafe.Add(ref r4, s2), Unsafe.Add(ref r4, s3)).StoreUnsafe(ref dst);
            r0 = ref Unsafe.Add(ref r0, 1);
            r4 = ref Unsafe.Add(ref r4, 1);
            dst = ref Unsafe.Add(ref dst, width);
        }
    }

    // dst[p * width + x] = src[x * stride + p] for an 8 x 8 block: unpack pairs of rows, shuffle
    // quadruples, then swap 128-bit halves (the usual AVX transpose, 24 shuffles for 64 floats).
    private static void Transpose8x8(ref float src, nint stride, ref float dst, int width)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src), r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, stride));
        Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 2 * stride)), r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 3 * stride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 4 * stride)), r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 5 * stride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 6 * stride)), r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 7 * stride));

        // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5]; t1 the same for p = 2, 3 | 6, 7.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        // u0 = rows 0-3 at p = 0 | p = 4; u1 at p = 1 | 5; u2 at 2 | 6; u3 at 3 | 7; u4-u7 for rows 4-7.
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        nuint w = (nuint)width;
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref dst, w);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref dst, 2 * w);
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref dst, 3 * w);
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref dst, 4 * w);
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref dst, 5 * w);
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref dst, 6 * w);
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref dst, 7 * w);
    }

    // The same for double: two 4-wide stores per p.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8(ref double src, nint stride, int kc, ref double dst, int width)
    {
        ref double r0 = ref src;
        ref double r4 = ref Unsafe.Add(ref src, 4 * stride);
        nint s2 = 2 * stride, s3 = 3 * stride;
        for (int p = 0; p < kc; p++)
        {
            Vector256.Create(r0, Unsafe.Add(ref r0, stride), Unsafe.Add(ref r0, s2), Unsafe.Add(ref r0, s3)).StoreUnsafe(ref dst);
            Vector256.Create(r4, Unsafe.Add(ref r4, stride), Unsafe.Add(ref r4, s2), Unsafe.Add(ref r4, s3)).StoreUnsafe(ref dst, 4);
            r0 = ref Unsafe.Add(ref r0, 1);
            r4 = ref Unsafe.Add(ref r4, 1);
            dst = ref Unsafe.Add(ref dst, width);
        }
    }

    // dst[0 .. count) = src[0 .. count); runs are at most NR long, too short for Span.CopyTo's call to pay.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun<T>(ref T src, ref T dst, int count)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; j <= count - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                Vector256.LoadUnsafe(ref src, (nuint)j).StoreUnsafe(ref dst, (nuint)j);
            }
        }

        for (; j < count; j++)
        {
            Unsafe.Add(ref dst, j) = Unsafe.Add(ref src, j);
        }
    }
}

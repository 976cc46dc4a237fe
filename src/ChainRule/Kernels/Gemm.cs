// C[m x n] = (accumulate ? C : 0) + op(A)[m x k] * op(B)[k x n], row-major.
// op(A) = A (stored m x k, row stride lda) or A^T (A stored k x m) when transA; likewise op(B).
// Blocking follows BLIS (Van Zee and van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
// Functionality", 2015; salykova/matmul.c is a small C version):
//
//   for jc in n step NC          B block kc x nc lives in L3
//     for pc in k step KC
//       PackB  op(B)[pc, jc] -> Bp (kc x nc, NR-wide panels)
//       for ic in m step MC      A block mc x kc lives in L2
//         PackA  op(A)[ic, pc] -> Ap (mc x kc, MR-tall panels)
//         for jr in nc step NR   one Bp panel (kc x NR) lives in L1
//           for ir in mc step MR
//             MicroKernel: C[ir, jr] (MR x NR, in registers) += Ap panel * Bp panel
//
// Threads: C is cut into Parallelism.MaxDegree slabs along m or n (one WorkerTeam job), each slab runs
// the loop nest above with its own packing buffers. Every C element is summed by one thread, in the
// same order, with the same KC split (KC depends on k only), so the result bits depend neither on
// the thread count nor on the micro-kernel. Transposes live in the strides of PackA/PackB.
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChainRule.Kernels;

internal static partial class Gemm
{
    /// <summary>Largest depth of one packed block (elements). A 384 x 32 float Bp panel is 48 KiB, the L1 of
    /// Zen 5; k is cut into equal blocks, so most panels are smaller. 384 beat 256 at k = 784 (3 blocks, not 4).</summary>
    private const int KC = 384;

    /// <summary>Rows of one packed A block: 240 x 384 floats is 360 KiB, inside a 1 MiB L2 (120 and 480 measured the same).</summary>
    private const int MC = 240;

    /// <summary>Columns of one packed B block: 384 x 2048 floats is 3 MiB, in the shared L3.</summary>
    private const int NC = 2048;

    /// <summary>
    /// Below this many multiply-adds (m n k) one thread is used. With Parallel.For, two threads won inside a training
    /// step only from about 20M multiply-adds (the wake-up cost); on the WorkerTeam, whose workers are still spinning
    /// between the kernels of a step, the 784-256-10 batch-64 MLP (12.8M-multiply-add products) trains at about
    /// 250,000 samples/s with a 4M threshold against 150,000 with 20M (5 interleaved epochs each, 2026-12-03).
    /// </summary>
    private const long ParallelThreshold = 4_000_000;

    /// <summary>C = (accumulate ? C : 0) + op(A) op(B) on up to Parallelism.MaxDegree threads.</summary>
    /// <exception cref="ArgumentException">A span is shorter than its sizes and leading dimension need,
    /// or a leading dimension is smaller than its row length.</exception>
    public static void Multiply<T>(
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        int m, int n, int k, bool accumulate, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int threads = (long)m * n * k < ParallelThreshold ? 1 : Parallelism.MaxDegree;
        Multiply(a, lda, transA, b, ldb, transB, m, n, k, accumulate, c, ldc, GemmKernel.Auto, threads);
    }

    /// <summary>Multiply with the micro-kernel and the thread count fixed, so tests can reach every path.</summary>
    internal static void Multiply<T>(
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        int m, int n, int k, bool accumulate, Span<T> c, int ldc,
        GemmKernel kernel, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ThrowIfTooShort(a.Length, nameof(a), transA ? k : m, transA ? m : k, lda, m, n, k);
        ThrowIfTooShort(b.Length, nameof(b), transB ? n : k, transB ? k : n, ldb, m, n, k);
        ThrowIfTooShort(c.Length, nameof(c), m, n, ldc, m, n, k);
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    c.Slice(i * ldc, n).Clear();
                }
            }

            return;
        }

        if (m == 1)
        {
            RowTimesMatrix(a, lda, transA, b, ldb, transB, n, k, accumulate, c);
            return;
        }

        kernel = Resolve<T>(kernel);
        if (threads <= 1)
        {
            MultiplySlab(a, lda, transA, b, ldb, transB, 0, m, 0, n, k, accumulate, c, ldc, kernel);
        }
        else
        {
            MultiplyParallel(a, lda, transA, b, ldb, transB, m, n, k, accumulate, c, ldc, kernel, threads);
        }
    }

    // One row of A (one example through a Linear layer, single-example inference): a vector-matrix product needs no
    // packing, and packing B alone costs more than the product (a 784 x 256 weight: ~0.3 ms to pack, ~10 us to
    // multiply). B^T rows are dot products; B rows are scaled and added in order of p. One thread, so the bits do not
    // depend on the thread count.
    private static void RowTimesMatrix<T>(
        ReadOnlySpan<T> a, int lda, bool transA, ReadOnlySpan<T> b, int ldb, bool transB, int n, int k, bool accumulate, Span<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[]? gathered = null;
        ReadOnlySpan<T> x = a[..k];
        if (transA && lda != 1)
        {
            gathered = ArrayPool<T>.Shared.Rent(k);
            for (int p = 0; p < k; p++)
            {
                gathered[p] = a[p * lda];
            }
            x = gathered.AsSpan(0, k);
        }
        Span<T> row = c[..n];
        if (transB)
        {
            for (int j = 0; j < n; j++)
            {
                T dot = TensorPrimitives.Dot(x, b.Slice(j * ldb, k));
                row[j] = accumulate ? row[j] + dot : dot;
            }
        }
        else
        {
            if (!accumulate)
            {
                row.Clear();
            }
            for (int p = 0; p < k; p++)
            {
                TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), x[p], row, row);
            }
        }
        if (gathered is not null)
        {
            ArrayPool<T>.Shared.Return(gathered);
        }
    }

    // Cuts C into slabs along m or n and runs one per thread. Slabs are whole MR or NR panels.
    // NOTE: spans cannot be captured by the task lambda, so the operands are pinned for the
    // duration of the call and each worker rebuilds spans of the same lengths: the only unsafe code here.
    private static unsafe void MultiplyParallel<T>(
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        int m, int n, int k, bool accumulate, Span<T> c, int ldc,
        GemmKernel kernel, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int mr, int nr) = TileOf<T>(kernel);

        // Splitting n makes every thread pack all of A (m x k); splitting m, all of B (k x n).
        // Cut the dimension whose duplicated packing is smaller, if it has enough panels.
        bool splitM = m > n;
        int panels = splitM ? DivUp(m, mr) : DivUp(n, nr);
        int otherPanels = splitM ? DivUp(n, nr) : DivUp(m, mr);
        if (panels < threads && otherPanels > panels)
        {
            (splitM, panels) = (!splitM, otherPanels);
        }

        int slabs = Math.Min(threads, panels);
        int lengthA = a.Length, lengthB = b.Length, lengthC = c.Length;
        fixed (T* pa = a, pb = b, pc = c)
        {
            (nint addressA, nint addressB, nint addressC) = ((nint)pa, (nint)pb, (nint)pc);
            WorkerTeam.Run(slabs, slab =>
            {
                // Slab s owns panels [s * panels / slabs, (s + 1) * panels / slabs): balanced to one panel.
                int first = (int)((long)slab * panels / slabs), last = (int)((long)(slab + 1) * panels / slabs);
                var aSpan = new ReadOnlySpan<T>((void*)addressA, lengthA);
                var bSpan = new ReadOnlySpan<T>((void*)addressB, lengthB);
                var cSpan = new Span<T>((void*)addressC, lengthC);
                if (splitM)
                {
                    MultiplySlab(aSpan, lda, transA, bSpan, ldb, transB, first * mr, Math.Min(m, last * mr), 0, n, k, accumulate, cSpan, ldc, kernel);
                }
                else
                {
                    MultiplySlab(aSpan, lda, transA, bSpan, ldb, transB, 0, m, first * nr, Math.Min(n, last * nr), k, accumulate, cSpan, ldc, kernel);
                }
            });
        }
    }

    // The BLIS loop nest (file header) over the slab C[i0 .. i1, j0 .. j1], on one thread.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplySlab<T>(
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        int i0, int i1, int j0, int j1, int k, bool accumulate, Span<T> c, int ldc,
        GemmKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int mr, int nr) = TileOf<T>(kernel);

        // Split k into equal blocks of at most KC (784 -> 3 x 262, not 2 x 384 + 16), by k alone,
        // so the order of additions into C is the same for every thread count and kernel.
        int kBlocks = DivUp(k, KC);
        int kcMax = DivUp(k, kBlocks);
        int mcMax = Math.Min(MC / mr * mr, RoundUp(i1 - i0, mr));
        int ncMax = Math.Min(NC / nr * nr, RoundUp(j1 - j0, nr));
        T[] apBuffer = ArrayPool<T>.Shared.Rent(mcMax * kcMax);
        T[] bpBuffer = ArrayPool<T>.Shared.Rent(ncMax * kcMax);
        Span<T> tile = stackalloc T[mr * nr];
        for (int jc = j0; jc < j1; jc += ncMax)
        {
            int nc = Math.Min(ncMax, j1 - jc);
            for (int pc = 0, block = 0; pc < k; pc += kcMax, block++)
            {
                int kc = Math.Min(kcMax, k - pc);
                bool add = accumulate || block > 0;
                Span<T> bp = bpBuffer.AsSpan(0, RoundUp(nc, nr) * kc);
                PackB(b, ldb, transB, pc, kc, jc, nc, nr, bp);
                for (int ic = i0; ic < i1; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, i1 - ic);
                    Span<T> ap = apBuffer.AsSpan(0, RoundUp(mc, mr) * kc);
                    PackA(a, lda, transA, ic, mc, pc, kc, mr, ap);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        ref T bPanel = ref bp[jr * kc];
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            ref T aPanel = ref ap[ir * kc];
                            Span<T> cTile = c.Slice(((ic + ir) * ldc) + jc + jr);
                            if (ir + mr <= mc && jr + nr <= nc)
                            {
                                MicroKernel(kernel, kc, ref aPanel, ref bPanel, ref cTile[0], ldc, add);
                            }
                            else
                            {
                                // Edge tile: run the full kernel into a scratch tile, then add the valid part.
                                MicroKernel(kernel, kc, ref aPanel, ref bPanel, ref tile[0], nr, accumulate: false);
                                AddTile(tile, nr, Math.Min(mr, mc - ir), Math.Min(nr, nc - jr), add, cTile, ldc);
                            }
                        }
                    }
                }
            }
        }

        ArrayPool<T>.Shared.Return(apBuffer);
        ArrayPool<T>.Shared.Return(bpBuffer);
    }

    // C[rows x columns] = (add ? C : 0) + tile[rows x columns]; the same additions as the kernel's store.
    private static void AddTile<T>(ReadOnlySpan<T> tile, int ldt, int rows, int columns, bool add, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<T> source = tile.Slice(i * ldt, columns);
            Span<T> destination = c.Slice(i * ldc, columns);
            for (int j = 0; j < columns; j++)
            {
                destination[j] = add ? destination[j] + source[j] : source[j];
            }
        }
    }

    // The widest kernel the hardware accelerates for T, unless a test asked for one.
    private static GemmKernel Resolve<T>(GemmKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool vectorizable = typeof(T) == typeof(float) || typeof(T) == typeof(double);
        if (kernel == GemmKernel.Auto)
        {
            kernel = Vector512.IsHardwareAccelerated ? GemmKernel.Vector512
                : Vector256.IsHardwareAccelerated ? GemmKernel.Vector256
                : GemmKernel.Scalar;
        }

        return vectorizable ? kernel : GemmKernel.Scalar;
    }

    // MR x NR of a kernel, in elements of T.
    private static (int MR, int NR) TileOf<T>(GemmKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> => kernel switch
        {
            GemmKernel.Vector512 => (MR512, 2 * Vector512<T>.Count),
            GemmKernel.Vector256 => (MR256, 2 * Vector256<T>.Count),
            _ => (MRScalar, NRScalar),
        };

    // A row-major matrix of rows x columns with leading dimension ld needs (rows - 1) * ld + columns elements.
    private static void ThrowIfTooShort(int length, string name, int rows, int columns, int ld, int m, int n, int k)
    {
        if (rows > 0 && ld < columns)
        {
            throw new ArgumentException(
                $"Leading dimension of {name} is {ld} but its rows hold {columns} elements (m = {m}, n = {n}, k = {k}).", name);
        }

        long needed = rows == 0 || columns == 0 ? 0 : ((long)(rows - 1) * ld) + columns;
        if (length < needed)
        {
            throw new ArgumentException(
                $"Span {name} has length {length} but a {rows} x {columns} matrix with leading dimension {ld} " +
                $"needs {needed} (m = {m}, n = {n}, k = {k}).", name);
        }
    }

    private static int DivUp(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int y) => DivUp(x, y) * y;
}

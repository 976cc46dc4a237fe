// Cholesky factorization of a symmetric positive definite matrix, in place, row-major, in its upper form
// A = U^T U (U = L^T): in row-major storage every step of the upper form reads and writes contiguous rows.
// Recursive blocked (Gustavson, "Recursive leads to automatic variable blocking for dense linear-algebra
// algorithms", 1997; the splits of LAPACK's dpotrf2), with the big products on the packed GEMM:
//
//   [A11 A12]   [U11^T      ] [U11 U12]      U11 = chol(A11)
//   [    A22] = [U12^T U22^T] [    U22]      U12 = U11^-T A12               (TriangularSolve.Left, transposed)
//                                            U22 = chol(A22 - U12^T U12)    (SubtractSymmetricProduct, then recurse)
//
// Nearly all n^3/3 multiply-adds land in GEMM calls whose sizes halve with the recursion, so the trailing updates
// run at GEMM speed. The recursion depth is log2(n / Base), at most 26 for any n an int can hold.
// Only the upper triangle of A is read; the strict lower triangle is left as it was (callers mirror and zero).
using System.Numerics;
using System.Numerics.Tensors;

namespace ChainRule.Kernels;

internal static class Cholesky
{
    /// <summary>
    /// Products of at least this many multiply-adds use every thread. Lower than the GEMM's own threshold (tuned for
    /// a training step, where the other core has work of its own): here nothing else runs beside the product.
    /// </summary>
    private const long ParallelThreshold = 2_000_000;

    /// <summary>Order at or below which the factorization is done element by element.</summary>
    private const int Base = 48;

    /// <summary>Order at or below which the symmetric update computes its whole diagonal block with one GEMM.</summary>
    private const int SymmetricBase = 128;

    /// <summary>
    /// Factors the n x n matrix at a (row stride lda) in place into U, A = U^T U. Returns -1 on success, or the index
    /// of the first pivot that was not positive (or not finite), with that pivot's value; the factor is then incomplete.
    /// </summary>
    public static int FactorUpper<T>(Span<T> a, int n, int lda, out T pivotValue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        pivotValue = T.Zero;
        if (n == 0)
        {
            return -1;
        }
        if (n <= Base)
        {
            return FactorSmall(a, n, lda, out pivotValue);
        }
        int n1 = n / 2, n2 = n - n1;
        int failed = FactorUpper(a, n1, lda, out pivotValue);
        if (failed >= 0)
        {
            return failed;
        }
        Span<T> a12 = a[n1..];
        TriangularSolve.Left<T>(a, lda, n1, upper: true, transpose: true, a12, lda, n2);
        Span<T> a22 = a[((n1 * lda) + n1)..];
        SubtractSymmetricProduct<T>(a22, lda, n2, a12, lda, n1);
        failed = FactorUpper(a22, n2, lda, out pivotValue);
        return failed >= 0 ? n1 + failed : -1;
    }

    // The outer-product form, row by row: u_ii = sqrt(a_ii), row i of U = row i of A / u_ii, then the rows below
    // lose u_ij times it (contiguous axpys on the upper triangle).
    private static int FactorSmall<T>(Span<T> a, int n, int lda, out T pivotValue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            Span<T> row = a.Slice((i * lda) + i, n - i);
            T d = row[0];
            if (!(d > T.Zero) || !T.IsFinite(d))
            {
                pivotValue = d;
                return i;
            }
            TensorPrimitives.Divide<T>(row, T.Sqrt(d), row);
            for (int j = i + 1; j < n; j++)
            {
                Span<T> target = a.Slice((j * lda) + j, n - j);
                TensorPrimitives.MultiplyAdd<T>(row[(j - i)..], -row[j - i], target, target);
            }
        }
        pivotValue = T.Zero;
        return -1;
    }

    /// <summary>
    /// The upper triangle (with the diagonal) of the n x n matrix C -= A^T A, A k x n. The strict lower triangle of
    /// the diagonal blocks of order at most SymmetricBase is overwritten too; below them C is not touched.
    /// </summary>
    internal static void SubtractSymmetricProduct<T>(Span<T> c, int ldc, int n, ReadOnlySpan<T> a, int lda, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n <= SymmetricBase)
        {
            SubtractProduct(c, ldc, a, lda, true, a, lda, false, n, n, k);
            return;
        }
        int n1 = n / 2, n2 = n - n1;
        SubtractSymmetricProduct(c, ldc, n1, a, lda, k);
        // C12 -= A1^T A2
        SubtractProduct(c[n1..], ldc, a, lda, true, a[n1..], lda, false, n1, n2, k);
        SubtractSymmetricProduct(c[((n1 * ldc) + n1)..], ldc, n2, a[n1..], lda, k);
    }

    /// <summary>
    /// C (m x n) -= op(A) op(B) through the packed GEMM, which only adds: C is negated, the product added, C negated
    /// back (2 m n extra operations against m n k).
    /// </summary>
    internal static void SubtractProduct<T>(
        Span<T> c, int ldc,
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }
        NegateRows(c, ldc, m, n);
        int threads = (long)m * n * k < ParallelThreshold ? 1 : Parallelism.MaxDegree;
        Gemm.Multiply(a, lda, transA, b, ldb, transB, m, n, k, accumulate: true, c, ldc, GemmKernel.Auto, threads);
        NegateRows(c, ldc, m, n);
    }

    private static void NegateRows<T>(Span<T> c, int ldc, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            TensorPrimitives.Negate<T>(row, row);
        }
    }

    /// <summary>
    /// The n x n matrix a := U^T with zeros above the diagonal, for U in a's upper triangle: in place, tile pairs
    /// (I, J) and (J, I) swapped together so both stay in cache.
    /// </summary>
    internal static void UpperToLower<T>(Span<T> a, int n, int lda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Tile = 32;
        for (int i0 = 0; i0 < n; i0 += Tile)
        {
            int i1 = Math.Min(n, i0 + Tile);
            for (int j0 = i0; j0 < n; j0 += Tile)
            {
                int j1 = Math.Min(n, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = Math.Max(j0, i + 1); j < j1; j++)
                    {
                        a[(j * lda) + i] = a[(i * lda) + j];
                        a[(i * lda) + j] = T.Zero;
                    }
                }
            }
        }
    }

    /// <summary>to (cols x rows) = from (rows x cols)^T, in 32 x 32 tiles so that both sides stay in cache.</summary>
    internal static void Transpose<T>(ReadOnlySpan<T> from, int ldf, int rows, int cols, Span<T> to, int ldt)
    {
        const int Tile = 32;
        for (int i0 = 0; i0 < rows; i0 += Tile)
        {
            int i1 = Math.Min(rows, i0 + Tile);
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                int j1 = Math.Min(cols, j0 + Tile);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++)
                    {
                        to[(j * ldt) + i] = from[(i * ldf) + j];
                    }
                }
            }
        }
    }
}

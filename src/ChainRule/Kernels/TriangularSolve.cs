// Triangular solves, in place, row-major, recursive blocked (as Cholesky.cs): the triangle is halved, one half
// solved, its contribution to the other half subtracted with one GEMM, the other half solved. Element-by-element
// substitution only below Base rows.
//
//   Left:   op(T) X = B,  T n x n triangular, B n x m; op(T) = T or T^T. The effective matrix M = op(T) is lower
//           triangular when (lower and not transposed) or (upper and transposed): forward substitution; otherwise
//           upper: back substitution. M's blocks are T's blocks, or T's mirrored blocks read transposed by GEMM.
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace ChainRule.Kernels;

internal static class TriangularSolve
{
    private const int Base = 32;

    /// <summary>At most this many right-hand sides are solved one vector at a time (GEMM would pad each to a full tile).</summary>
    private const int VectorColumns = 4;

    /// <summary>The index of the first zero (or non-finite) diagonal element of the n x n matrix t, or -1.</summary>
    public static int FirstSingularPivot<T>(ReadOnlySpan<T> t, int n, int ldt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            T d = t[(i * ldt) + i];
            if (d == T.Zero || !T.IsFinite(d))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>B (n x m, row stride ldb) := op(T)^-1 B for the n x n triangular T (lower or upper, op = T or T^T).</summary>
    public static void Left<T>(ReadOnlySpan<T> t, int ldt, int n, bool upper, bool transpose, Span<T> b, int ldb, int m)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m <= VectorColumns)
        {
            SolveColumns(t, ldt, n, upper, transpose, b, ldb, m);
            return;
        }
        var matrix = new Effective<T>(t, ldt, transpose);
        if (upper == transpose)
        {
            Forward(matrix, 0, n, b, ldb, m);
        }
        else
        {
            Backward(matrix, 0, n, b, ldb, m);
        }
    }

    // Few right-hand sides: each column on its own, through contiguous rows of T. Rows of T are rows of M when not
    // transposed (dot-product form) and columns of M when transposed (axpy form).
    private static void SolveColumns<T>(ReadOnlySpan<T> t, int ldt, int n, bool upper, bool transpose, Span<T> b, int ldb, int m)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] rented = ArrayPool<T>.Shared.Rent(n);
        Span<T> x = rented.AsSpan(0, n);
        bool forward = upper == transpose; // M lower
        for (int c = 0; c < m; c++)
        {
            for (int i = 0; i < n; i++)
            {
                x[i] = b[(i * ldb) + c];
            }
            if (!transpose)
            {
                for (int step = 0; step < n; step++)
                {
                    int i = forward ? step : n - 1 - step;
                    ReadOnlySpan<T> row = t.Slice(i * ldt, n);
                    T sum = forward ? TensorPrimitives.Dot<T>(row[..i], x[..i]) : TensorPrimitives.Dot<T>(row[(i + 1)..], x[(i + 1)..]);
                    x[i] = (x[i] - sum) / row[i];
                }
            }
            else
            {
                // column j of M = row j of T: once x_j is known, remove its share from the rows still to solve
                for (int step = 0; step < n; step++)
                {
                    int j = forward ? step : n - 1 - step;
                    ReadOnlySpan<T> row = t.Slice(j * ldt, n);
                    x[j] /= row[j];
                    if (forward)
                    {
                        TensorPrimitives.MultiplyAdd<T>(row[(j + 1)..], -x[j], x[(j + 1)..], x[(j + 1)..]);
                    }
                    else
                    {
                        TensorPrimitives.MultiplyAdd<T>(row[..j], -x[j], x[..j], x[..j]);
                    }
                }
            }
            for (int i = 0; i < n; i++)
            {
                b[(i * ldb) + c] = x[i];
            }
        }
        ArrayPool<T>.Shared.Return(rented);
    }

    // M[r0 .. r0+n, r0 .. r0+n] lower: solve it against B's rows r0 .. r0+n (b starts at row r0).
    private static void Forward<T>(Effective<T> matrix, int r0, int n, Span<T> b, int ldb, int m)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n <= Base)
        {
            for (int i = 0; i < n; i++)
            {
                Span<T> rowI = b.Slice(i * ldb, m);
                for (int j = 0; j < i; j++)
                {
                    T mij = matrix[r0 + i, r0 + j];
                    if (mij != T.Zero)
                    {
                        TensorPrimitives.MultiplyAdd<T>(b.Slice(j * ldb, m), -mij, rowI, rowI);
                    }
                }
                TensorPrimitives.Divide<T>(rowI, matrix[r0 + i, r0 + i], rowI);
            }
            return;
        }
        int n1 = n / 2, n2 = n - n1;
        Forward(matrix, r0, n1, b, ldb, m);
        Span<T> b2 = b[(n1 * ldb)..];
        // B2 -= M21 X1
        matrix.SubtractBlockProduct(r0 + n1, r0, n2, n1, b, ldb, b2, ldb, m);
        Forward(matrix, r0 + n1, n2, b2, ldb, m);
    }

    private static void Backward<T>(Effective<T> matrix, int r0, int n, Span<T> b, int ldb, int m)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n <= Base)
        {
            for (int i = n - 1; i >= 0; i--)
            {
                Span<T> rowI = b.Slice(i * ldb, m);
                for (int j = i + 1; j < n; j++)
                {
                    T mij = matrix[r0 + i, r0 + j];
                    if (mij != T.Zero)
                    {
                        TensorPrimitives.MultiplyAdd<T>(b.Slice(j * ldb, m), -mij, rowI, rowI);
                    }
                }
                TensorPrimitives.Divide<T>(rowI, matrix[r0 + i, r0 + i], rowI);
            }
            return;
        }
        int n1 = n / 2, n2 = n - n1;
        Span<T> b2 = b[(n1 * ldb)..];
        Backward(matrix, r0 + n1, n2, b2, ldb, m);
        // B1 -= M12 X2
        matrix.SubtractBlockProduct(r0, r0 + n1, n1, n2, b2, ldb, b, ldb, m);
        Backward(matrix, r0, n1, b, ldb, m);
    }

    // op(T) seen element by element and block by block: M[i, j] = T[i, j], or T[j, i] when transposed.
    private readonly ref struct Effective<T>(ReadOnlySpan<T> t, int ldt, bool transpose)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _t = t;

        public T this[int i, int j] => transpose ? _t[(j * ldt) + i] : _t[(i * ldt) + j];

        // C (rows x m) -= M[r0 .. r0+rows, c0 .. c0+cols] X (cols x m)
        public void SubtractBlockProduct(int r0, int c0, int rows, int cols, ReadOnlySpan<T> x, int ldx, Span<T> c, int ldc, int m)
        {
            ReadOnlySpan<T> block = transpose ? _t[((c0 * ldt) + r0)..] : _t[((r0 * ldt) + c0)..];
            Cholesky.SubtractProduct(c, ldc, block, ldt, transpose, x, ldx, false, rows, m, cols);
        }
    }
}

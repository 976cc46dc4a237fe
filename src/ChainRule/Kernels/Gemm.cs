using System.Numerics;
using System.Numerics.Tensors;

namespace ChainRule.Kernels;

// C[m x n] = (accumulate ? C : 0) + op(A)[m x k] * op(B)[k x n], row-major; op(X) = X or X^T.
// Interim kernel: rows of C are built as sums of rows of B scaled by A's elements (i-p-j order, one
// TensorPrimitives.MultiplyAdd per (i, p)); a transposed B is packed once. Issue 4 replaces this with
// a packed, blocked BLIS-style kernel behind the same signature.
internal static partial class Gemm
{
    public static void Multiply<T>(
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        int m, int n, int k, bool accumulate, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0)
        {
            return;
        }
        T[]? packedB = null;
        if (transB)
        {
            packedB = new T[k * n];
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < k; p++)
                {
                    packedB[(p * n) + j] = b[(j * ldb) + p];
                }
            }
            b = packedB;
            ldb = n;
        }
        for (int i = 0; i < m; i++)
        {
            Span<T> ci = c.Slice(i * ldc, n);
            if (!accumulate)
            {
                ci.Clear();
            }
            for (int p = 0; p < k; p++)
            {
                T aip = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), aip, ci, ci);
            }
        }
    }
}

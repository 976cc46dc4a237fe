// C[m x n] = (accumulate ? C : 0) + op(A)[m x k] * op(B)[k x n], row-major: the naive triple loop.
// This is the oracle that Gemm.Multiply is tested against (llm.c's matmul_forward_naive).
// Same arguments as Gemm.Multiply; it checks nothing and is slow on purpose, so nothing hides in it.
using System.Numerics;

namespace ChainRule.Kernels;

internal static class GemmReference
{
    /// <summary>C = (accumulate ? C : 0) + op(A) op(B), one dot product per element of C.</summary>
    public static void Multiply<T>(
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        int m, int n, int k, bool accumulate, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T aip = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                    T bpj = transB ? b[(j * ldb) + p] : b[(p * ldb) + j];
                    sum += aip * bpj;
                }

                c[(i * ldc) + j] = accumulate ? c[(i * ldc) + j] + sum : sum;
            }
        }
    }
}

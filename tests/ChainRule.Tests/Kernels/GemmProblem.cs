// One seeded GEMM problem for the tests: A, B and C with padded leading dimensions.
// Padding of A and B holds NaN (reading it would poison C); padding of C holds a sentinel that must survive.
using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

internal sealed class GemmProblem<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T s_sentinel = T.CreateTruncating(12345.0);

    private readonly int _m, _n, _k;
    private readonly bool _transA, _transB;
    private readonly T[] _c0;

    public GemmProblem(int m, int n, int k, bool transA, bool transB, int padding, Random random)
    {
        (_m, _n, _k, _transA, _transB) = (m, n, k, transA, transB);
        (int rowsA, int colsA) = transA ? (k, m) : (m, k);
        (int rowsB, int colsB) = transB ? (n, k) : (k, n);
        (Lda, Ldb, Ldc) = (colsA + padding, colsB + padding, n + padding);
        A = Matrix(rowsA, colsA, Lda, T.NaN, random);
        B = Matrix(rowsB, colsB, Ldb, T.NaN, random);
        _c0 = Matrix(m, n, Ldc, s_sentinel, random);
    }

    public T[] A { get; }

    public T[] B { get; }

    public int Lda { get; }

    public int Ldb { get; }

    public int Ldc { get; }

    public T[] FreshC() => (T[])_c0.Clone();

    public T[] Reference(bool accumulate)
    {
        T[] c = FreshC();
        GemmReference.Multiply<T>(A, Lda, _transA, B, Ldb, _transB, _m, _n, _k, accumulate, c, Ldc);
        return c;
    }

    public T[] Run(bool accumulate, GemmKernel kernel, int threads)
    {
        T[] c = FreshC();
        Gemm.Multiply<T>(A, Lda, _transA, B, Ldb, _transB, _m, _n, _k, accumulate, c, Ldc, kernel, threads);
        return c;
    }

    // |actual - expected| <= 4 (k + 1) eps (sum_p |a_ip b_pj| + |c0_ij|) per element; padding untouched.
    public void AssertClose(T[] expected, T[] actual, bool accumulate, string what)
    {
        T[] bound = new T[_c0.Length];
        GemmReference.Multiply<T>(Abs(A), Lda, _transA, Abs(B), Ldb, _transB, _m, _n, _k, false, bound, Ldc);
        T machineEpsilon = T.BitIncrement(T.One) - T.One;
        T scale = T.CreateTruncating(4 * (_k + 1)) * machineEpsilon;
        T worst = T.Zero;
        int worstIndex = -1;
        for (int index = 0; index < actual.Length; index++)
        {
            int i = index / Ldc, j = index % Ldc;
            if (j >= _n)
            {
                Assert.True(actual[index] == s_sentinel, $"padding of C at ({i}, {j}) was overwritten: {what}");
                continue;
            }

            T tolerance = (scale * (bound[index] + (accumulate ? T.Abs(_c0[index]) : T.Zero))) + T.Epsilon;
            T diff = T.Abs(actual[index] - expected[index]);
            Assert.False(T.IsNaN(actual[index]), $"NaN at ({i}, {j}): {what}");
            if (diff > tolerance && diff - tolerance > worst)
            {
                (worst, worstIndex) = (diff - tolerance, index);
            }
        }

        if (worstIndex >= 0)
        {
            int i = worstIndex / Ldc, j = worstIndex % Ldc;
            Assert.Fail($"{what}: C[{i}, {j}] = {actual[worstIndex]}, expected {expected[worstIndex]}, " +
                $"exceeds tolerance by {worst}; first values expected [{string.Join(", ", expected.Take(4))}] " +
                $"actual [{string.Join(", ", actual.Take(4))}]");
        }
    }

    private static T[] Matrix(int rows, int columns, int ld, T pad, Random random)
    {
        var x = new T[rows == 0 ? 0 : ((rows - 1) * ld) + columns];
        for (int index = 0; index < x.Length; index++)
        {
            x[index] = index % ld < columns ? T.CreateTruncating(random.NextDouble() - 0.5) : pad;
        }

        return x;
    }

    private static T[] Abs(T[] x) => x.Select(v => T.IsNaN(v) ? T.Zero : T.Abs(v)).ToArray();
}

// Kernels.Cholesky and Kernels.TriangularSolve (recursive, blocked on the packed GEMM) against the textbook loops,
// on every order 1..257 (which crosses every base-case and split boundary), float64 and float32, with padded
// leading dimensions. Errors are judged against the usual backward-error scale: n eps |A|.
using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

public class LinalgKernelTests
{
    public static TheoryData<int> Orders()
    {
        var data = new TheoryData<int>();
        for (int n = 1; n <= 257; n++)
        {
            data.Add(n);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public void Cholesky_matches_the_textbook_loop(int n)
    {
        double[] a = RandomSpd(n, seed: n);
        int lda = n + 3; // padding between rows must be neither read as data nor overwritten
        var padded = new double[n * lda];
        padded.AsSpan().Fill(double.NaN);
        for (int i = 0; i < n; i++)
        {
            a.AsSpan(i * n, n).CopyTo(padded.AsSpan(i * lda));
        }

        Assert.Equal(-1, Cholesky.FactorUpper<double>(padded, n, lda, out _));

        double[] expected = NaiveCholesky(a, n);
        double scale = n * 1e-15 * MaxAbs(a);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                Assert.True(Math.Abs(padded[(j * lda) + i] - expected[(i * n) + j]) <= scale, $"n={n} U[{j},{i}] = {padded[(j * lda) + i]}, expected L[{i},{j}] = {expected[(i * n) + j]}");
            }
            for (int j = n; j < lda; j++)
            {
                Assert.True(double.IsNaN(padded[(i * lda) + j]), $"padding at row {i} was written");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(47)]
    [InlineData(48)]
    [InlineData(49)]
    [InlineData(97)]
    [InlineData(130)]
    [InlineData(257)]
    public void Cholesky_in_float32_matches_the_float64_loop(int n)
    {
        double[] a = RandomSpd(n, seed: 7 * n);
        float[] single = a.Select(v => (float)v).ToArray();
        double[] expected = NaiveCholesky(single.Select(v => (double)v).ToArray(), n);
        Assert.Equal(-1, Cholesky.FactorUpper<float>(single, n, n, out _));
        double scale = n * 2e-7 * MaxAbs(a);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                Assert.True(Math.Abs(single[(j * n) + i] - expected[(i * n) + j]) <= scale, $"n={n} U[{j},{i}]");
            }
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(5, 3)]
    [InlineData(60, 41)]
    [InlineData(200, 150)]
    public void An_indefinite_matrix_fails_at_its_first_non_positive_pivot(int n, int bad)
    {
        // A = L L^T with row 'bad' of L made dependent on the rows above and its pivot pushed below zero.
        double[] a = RandomSpd(n, seed: 3);
        double[] l = NaiveCholesky(a, n);
        l[(bad * n) + bad] = 0;
        double[] b = MultiplyLowerByTranspose(l, n);
        b[(bad * n) + bad] -= 1e-3;
        int pivot = Cholesky.FactorUpper<double>(b, n, n, out double value);
        Assert.Equal(bad, pivot);
        Assert.InRange(value, -1.1e-3, -0.9e-3);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_non_finite_entry_fails_instead_of_producing_NaN(double poison)
    {
        int n = 70;
        double[] a = RandomSpd(n, seed: 5);
        a[(50 * n) + 20] = poison;
        a[(20 * n) + 50] = poison;
        int pivot = Cholesky.FactorUpper<double>(a, n, n, out _);
        Assert.Equal(50, pivot);
    }

    // k = 1 and 3 take the one-vector-at-a-time path, 5 and 9 the recursive one on GEMM.
    public static TheoryData<int, int, bool, bool> SolveCases()
    {
        var data = new TheoryData<int, int, bool, bool>();
        foreach (int n in new[] { 1, 2, 3, 17, 31, 32, 33, 64, 65, 100, 128, 129, 200, 256, 257 })
        {
            foreach (int k in new[] { 1, 3, 5, 9 })
            {
                data.Add(n, k, false, false);
                data.Add(n, k, false, true);
                data.Add(n, k, true, false);
                data.Add(n, k, true, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SolveCases))]
    public void Triangular_solve_matches_substitution(int n, int k, bool upper, bool transpose)
    {
        var g = new Random(n * 4 + (upper ? 2 : 0) + (transpose ? 1 : 0) + (100_000 * k));
        var t = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                // the other triangle holds garbage the solver must not read
                bool inside = upper ? j >= i : j <= i;
                t[(i * n) + j] = !inside ? double.NaN : i == j ? 1 + g.NextDouble() : (g.NextDouble() - 0.5) / Math.Sqrt(n);
            }
        }
        var b = new double[n * k];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = g.NextDouble() - 0.5;
        }
        double[] x = (double[])b.Clone();
        TriangularSolve.Left<double>(t, n, n, upper, transpose, x, k, k);

        // residual op(T) x - b, against n eps |T| |x|
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < k; c++)
            {
                double sum = 0, size = 0;
                for (int j = 0; j < n; j++)
                {
                    double mij = transpose ? t[(j * n) + i] : t[(i * n) + j];
                    if (double.IsNaN(mij))
                    {
                        continue;
                    }
                    sum += mij * x[(j * k) + c];
                    size += Math.Abs(mij * x[(j * k) + c]);
                }
                Assert.True(Math.Abs(sum - b[(i * k) + c]) <= 4 * n * 1e-16 * (size + 1), $"n={n} upper={upper} transpose={transpose} row {i}: residual {sum - b[(i * k) + c]}");
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(33, 3)]
    [InlineData(100, 2)]
    public void Tensor_Cholesky_reads_the_lower_triangle_of_each_matrix_and_zeros_above(int n, int batch)
    {
        var values = new double[batch * n * n];
        var expected = new double[batch][];
        for (int b = 0; b < batch; b++)
        {
            double[] a = RandomSpd(n, seed: (31 * n) + b);
            expected[b] = NaiveCholesky(a, n);
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    values[(b * n * n) + (i * n) + j] = j > i ? double.NaN : a[(i * n) + j]; // the upper triangle is never read
                }
            }
        }
        double[] l = Tensor.Cholesky(Tensor.FromArray(values, new Shape(batch, n, n))).ToDoubleArray();
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < n * n; i++)
            {
                Assert.True(Math.Abs(l[(b * n * n) + i] - expected[b][i]) <= 1e-13 * n, $"matrix {b}, element {i}: {l[(b * n * n) + i]} vs {expected[b][i]}");
            }
        }
    }

    [Fact]
    public void A_zero_on_the_diagonal_is_found()
    {
        double[] t = [1, 0, 0, 2, 0, 0, 3, 4, 5];
        Assert.Equal(1, TriangularSolve.FirstSingularPivot<double>(t, 3, 3));
    }

    /// <summary>A = G G^T / n + I for a seeded G: symmetric positive definite, condition number about 5.</summary>
    internal static double[] RandomSpd(int n, int seed)
    {
        var g = new Random(seed);
        var m = new double[n * n];
        for (int i = 0; i < m.Length; i++)
        {
            m[i] = g.NextDouble() - 0.5;
        }
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < n; p++)
                {
                    sum += m[(i * n) + p] * m[(j * n) + p];
                }
                a[(i * n) + j] = (sum / n) + (i == j ? 1 : 0);
            }
        }
        return a;
    }

    internal static double[] NaiveCholesky(double[] a, int n)
    {
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            double d = a[(j * n) + j];
            for (int p = 0; p < j; p++)
            {
                d -= l[(j * n) + p] * l[(j * n) + p];
            }
            l[(j * n) + j] = Math.Sqrt(d);
            for (int i = j + 1; i < n; i++)
            {
                double s = a[(i * n) + j];
                for (int p = 0; p < j; p++)
                {
                    s -= l[(i * n) + p] * l[(j * n) + p];
                }
                l[(i * n) + j] = s / l[(j * n) + j];
            }
        }
        return l;
    }

    private static double[] MultiplyLowerByTranspose(double[] l, int n)
    {
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p <= Math.Min(i, j); p++)
                {
                    sum += l[(i * n) + p] * l[(j * n) + p];
                }
                a[(i * n) + j] = sum;
            }
        }
        return a;
    }

    private static double MaxAbs(double[] a) => a.Length == 0 ? 0 : a.Max(Math.Abs);
}

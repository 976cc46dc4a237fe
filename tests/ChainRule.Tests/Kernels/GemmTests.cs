using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

// GEMM against its naive reference, over sizes that hit block and vector edges and every transpose.
public class GemmTests
{
    public static TheoryData<int, int, int, bool, bool> Cases()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        int[][] sizes = [[1, 1, 1], [2, 7, 3], [7, 17, 8], [16, 15, 17], [33, 65, 31], [64, 257, 63], [129, 33, 127]];
        foreach (int[] s in sizes)
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    data.Add(s[0], s[1], s[2], transA, transB);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference(int m, int n, int k, bool transA, bool transB)
    {
        var g = new Generator((ulong)((m * 1000) + (n * 10) + k));
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2;
        float[] a = RandomArray((transA ? k : m) * lda, g), b = RandomArray((transB ? n : k) * ldb, g);
        float[] c = RandomArray(m * ldc, g), expected = (float[])c.Clone();
        foreach (bool accumulate in new[] { true, false })
        {
            GemmReference.Multiply<float>(a, lda, transA, b, ldb, transB, m, n, k, accumulate, expected, ldc);
            Gemm.Multiply<float>(a, lda, transA, b, ldb, transB, m, n, k, accumulate, c, ldc);
            float tolerance = 4 * k * 1.2e-7f * 4; // k products of magnitude < 2 each
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    float diff = Math.Abs(expected[(i * ldc) + j] - c[(i * ldc) + j]);
                    Assert.True(diff <= tolerance, $"C[{i},{j}]: expected {expected[(i * ldc) + j]}, got {c[(i * ldc) + j]} (m={m} n={n} k={k})");
                }
            }
        }
    }

    [Fact]
    public void Double_precision_matches_reference()
    {
        var g = new Generator(5);
        double[] a = RandomArray(37 * 29, g).Select(v => (double)v).ToArray(), b = RandomArray(29 * 41, g).Select(v => (double)v).ToArray();
        double[] c = new double[37 * 41], expected = new double[37 * 41];
        GemmReference.Multiply<double>(a, 29, false, b, 41, false, 37, 41, 29, false, expected, 41);
        Gemm.Multiply<double>(a, 29, false, b, 41, false, 37, 41, 29, false, c, 41);
        Assert.Equal(expected, c, new Tolerance(1e-12));
    }

    private static float[] RandomArray(int length, Generator g) => Enumerable.Range(0, length).Select(_ => (float)((g.NextDouble() * 2) - 1)).ToArray();
}

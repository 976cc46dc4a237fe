// Gemm.Multiply against GemmReference (the naive loop) over awkward sizes, every transpose, accumulate,
// padded leading dimensions, float and double, every micro-kernel and 1, 2 and 3 threads.
// Tolerance per element: 4 (k + 1) eps (sum_p |a_ip b_pj| + |c_ij|), the usual forward error bound.
using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

public class GemmTests
{
    private static readonly int[] s_sizes = [1, 2, 7, 8, 15, 16, 17, 33, 63, 64, 65, 127, 129, 257];

    private static readonly GemmKernel[] s_kernels = [GemmKernel.Vector512, GemmKernel.Vector256, GemmKernel.Scalar];

    private static readonly int[] s_threads = [1, 2, 3];

    // Each size appears in each of m, n, k twice, next to different partners (two cyclic shifts of the list),
    // plus the MLP shapes of MISSION's training step, which are run by the timing driver too.
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        int count = s_sizes.Length;
        for (int i = 0; i < count; i++)
        {
            data.Add(s_sizes[i], s_sizes[(i + 1) % count], s_sizes[(i + 2) % count]);
            data.Add(s_sizes[i], s_sizes[(i + 5) % count], s_sizes[(i + 9) % count]);
        }

        return data;
    }

    public static TheoryData<int, int, int, bool, bool> MlpShapes() => new()
    {
        { 64, 256, 784, false, false },
        { 784, 256, 64, true, false },
        { 64, 784, 256, false, true },
        { 256, 256, 784, false, false },
        { 784, 256, 256, true, false },
        { 256, 784, 256, false, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_MatchesReference_ForEveryTransposeKernelAndThreadCount(int m, int n, int k) =>
        CheckAllVariants<float>(m, n, k, seed: (m * 1000) + (n * 10) + k);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_MatchesReference_ForEveryTransposeKernelAndThreadCount(int m, int n, int k) =>
        CheckAllVariants<double>(m, n, k, seed: (m * 1000) + (n * 10) + k + 1);

    [Theory]
    [MemberData(nameof(MlpShapes))]
    public void MlpShapes_MatchReference_WithTheDefaultKernelAndTwoThreads(int m, int n, int k, bool transA, bool transB)
    {
        var random = new Random(20230828);
        var problem = new GemmProblem<float>(m, n, k, transA, transB, padding: 0, random);
        float[] expected = problem.Reference(accumulate: false);
        float[] actual = problem.Run(accumulate: false, GemmKernel.Auto, threads: 2);
        problem.AssertClose(expected, actual, accumulate: false, "auto kernel, 2 threads");
    }

    [Fact]
    public void Results_AreBitIdentical_ForEveryThreadCountAndKernel_AcrossManyBlocks()
    {
        // k = 600 gives three KC blocks, m = 300 two MC blocks, n = 2100 two NC blocks.
        var random = new Random(7);
        var problem = new GemmProblem<float>(300, 2100, 600, transA: false, transB: true, padding: 1, random);
        float[] first = problem.Run(accumulate: true, GemmKernel.Vector512, threads: 1);
        problem.AssertClose(problem.Reference(accumulate: true), first, accumulate: true, "Vector512, 1 thread");
        foreach ((GemmKernel kernel, int threads) in new[] { (GemmKernel.Vector512, 2), (GemmKernel.Vector512, 5), (GemmKernel.Vector256, 2), (GemmKernel.Scalar, 1) })
        {
            Assert.Equal(first, problem.Run(accumulate: true, kernel, threads));
        }
    }

    [Fact]
    public void PublicEntryPoint_UsesParallelismMaxDegree_AndMatchesInternalResult()
    {
        var random = new Random(3);
        var problem = new GemmProblem<double>(130, 90, 300, transA: true, transB: false, padding: 2, random);
        double[] expected = problem.Run(accumulate: false, GemmKernel.Auto, threads: 1);
        double[] c = problem.FreshC();
        Gemm.Multiply<double>(problem.A, problem.Lda, true, problem.B, problem.Ldb, false, 130, 90, 300, false, c, problem.Ldc);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void ZeroK_ClearsC_OrLeavesItWhenAccumulating()
    {
        float[] c = [1, 2, 3, 4, 5, 6];
        Gemm.Multiply<float>([], 0, false, [], 3, false, 2, 3, 0, true, c, 3);
        Assert.Equal([1f, 2, 3, 4, 5, 6], c);
        Gemm.Multiply<float>([], 0, false, [], 3, false, 2, 3, 0, false, c, 3);
        Assert.Equal(new float[6], c);
    }

    [Fact]
    public void EmptyOutput_IsANoOp()
    {
        Gemm.Multiply<float>([], 4, false, new float[20], 5, false, 0, 5, 4, false, [], 5);
        Gemm.Multiply<double>(new double[8], 4, false, [], 0, false, 2, 0, 4, false, [], 0);
    }

    [Fact]
    public void TooShortA_Throws_NamingTheSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[11], 4, false, new float[20], 5, false, 3, 5, 4, false, new float[15], 5));
        Assert.Equal("a", e.ParamName);
        Assert.Contains("length 11", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs 12", e.Message, StringComparison.Ordinal);
        Assert.Contains("m = 3, n = 5, k = 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooShortTransposedB_Throws_NamingTheSizes()
    {
        // op(B) is 4 x 5 stored as B (5 x 4) with ldb 6: needs 4 * 6 + 4 = 28 elements.
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[12], 4, false, new float[27], 6, true, 3, 5, 4, false, new float[15], 5));
        Assert.Equal("b", e.ParamName);
        Assert.Contains("length 27", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs 28", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooShortC_Throws_NamingTheSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<double>(new double[12], 4, false, new double[20], 5, false, 3, 5, 4, false, new double[14], 5));
        Assert.Equal("c", e.ParamName);
        Assert.Contains("3 x 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("length 14", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeadingDimensionSmallerThanRow_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[100], 3, false, new float[20], 5, false, 3, 5, 4, false, new float[15], 5));
        Assert.Equal("a", e.ParamName);
        Assert.Contains("Leading dimension of a is 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeSize_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply<float>([], 1, false, [], 1, false, -1, 1, 1, false, [], 1));

    // For both accumulate settings and all four transposes: every kernel and thread count must be within
    // the tolerance of the reference, and all of them must agree bit for bit (the determinism promise).
    private static void CheckAllVariants<T>(int m, int n, int k, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                var problem = new GemmProblem<T>(m, n, k, transA, transB, padding: (m + n + k) % 3, random);
                foreach (bool accumulate in new[] { false, true })
                {
                    T[] expected = problem.Reference(accumulate);
                    T[]? first = null;
                    foreach (GemmKernel kernel in s_kernels)
                    {
                        foreach (int threads in s_threads)
                        {
                            T[] actual = problem.Run(accumulate, kernel, threads);
                            string what = $"m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate} {kernel} threads={threads}";
                            problem.AssertClose(expected, actual, accumulate, what);
                            first ??= actual;
                            Assert.True(first.AsSpan().SequenceEqual(actual), $"not bit-identical to the first variant: {what}");
                        }
                    }
                }
            }
        }
    }
}

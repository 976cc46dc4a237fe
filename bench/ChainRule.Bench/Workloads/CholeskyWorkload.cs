using ChainRule.Bench.Commands;
using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// GFLOP/s (n³/3 flops) of the Cholesky factorization of a float64 SPD matrix A = G Gᵀ/n + I on all cores,
/// ChainRule's Tensor.Cholesky against TorchSharp's torch.linalg.cholesky (LAPACK's dpotrf in libtorch), each
/// factor checked once (L Lᵀ = A at 64 entries) before timing.
/// </summary>
public static class CholeskyWorkload
{
    public static readonly int[] Orders = [500, 1000, 2000, 4000];

    public static IEnumerable<ResultRow> Measure(IReadOnlyList<IBackend> backends, CompareSettings settings)
    {
        int threads = Environment.ProcessorCount;
        foreach (int n in Orders)
        {
            double[] a = Spd(n);
            var runs = new List<(IBackend Backend, ICholesky Cholesky)>();
            try
            {
                foreach (var backend in backends)
                {
                    backend.SetThreads(threads);
                    ICholesky cholesky = backend.CreateCholesky(n, a);
                    runs.Add((backend, cholesky));
                    cholesky.Run();
                    Verify(backend.Name, n, a, cholesky.Result());
                    Timing.Repeat(cholesky.Run, settings.WarmUpSeconds);
                }
                double flops = (double)n * n * n / 3;
                var samples = Interleaved.Run(
                    [.. runs.Select(r => (r.Backend.Name, (Func<double>)(() =>
                    {
                        r.Backend.SetThreads(threads);
                        var (count, seconds) = Timing.Repeat(r.Cholesky.Run, settings.SampleSeconds);
                        return flops * count / seconds / 1e9;
                    })))],
                    settings.Repetitions, settings.WaitIdleSeconds);
                string note = string.Join("; ", samples.Select(s => $"{s.Key} {flops / 1e9 / s.Value.Median * 1000:F0} ms"));
                yield return new ResultRow($"Cholesky float64, {PeakWorkload.Threads(threads)}", $"{n} x {n}", "GFLOP/s", "F1", Better.Higher, samples, note);
            }
            finally
            {
                runs.ForEach(r => r.Cholesky.Dispose());
            }
        }
    }

    private static double[] Spd(int n)
    {
        var random = new SplitMix64(7);
        float[] g = random.NextUniformArray(n * n, -1, 1);
        var a = new double[n * n];
        Tensor gt = Tensor.FromArray(g.Select(v => (double)v).ToArray(), [n, n]);
        double[] product = (Tensor.MatMul(gt, gt.Transpose()) / n + Tensor.Eye(n, DType.Float64)).ToDoubleArray();
        product.CopyTo(a, 0);
        return a;
    }

    private static void Verify(string backend, int n, double[] a, double[] l)
    {
        var random = new SplitMix64(3);
        for (int t = 0; t < 64; t++)
        {
            int i = (int)(random.NextUInt64() % (ulong)n), j = (int)(random.NextUInt64() % (ulong)n);
            double sum = 0;
            for (int p = 0; p <= Math.Min(i, j); p++)
            {
                sum += l[(i * n) + p] * l[(j * n) + p];
            }
            if (Math.Abs(sum - a[(i * n) + j]) > 1e-9 * n)
            {
                throw new InvalidOperationException($"{backend} cholesky {n}: (L L^T)[{i}, {j}] = {sum}, A has {a[(i * n) + j]}.");
            }
        }
    }
}

using ChainRule.Bench.Commands;
using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// GFLOP/s (2 m n k flops per product) of every GemmShape on 1 thread and on all cores, with
/// each library's result checked once against a float64 dot product before timing.
/// </summary>
public static class GemmWorkload
{
    private const ulong DataSeed = 42;

    /// <param name="peak">Median GFLOP/s of each (bits, threads) FMA probe, for the "% of peak" note.</param>
    public static IEnumerable<ResultRow> Measure(IReadOnlyList<IBackend> backends, CompareSettings settings, IReadOnlyDictionary<(int Bits, int Threads), double> peak)
    {
        foreach (int threads in PeakWorkload.ThreadCounts())
        {
            foreach (var shape in GemmShape.All)
            {
                // A, B ~ Uniform[-1, 1): A first, then B, from one stream.
                var random = new SplitMix64(DataSeed);
                float[] a = random.NextUniformArray(shape.ALength, -1, 1);
                float[] b = random.NextUniformArray(shape.BLength, -1, 1);

                var gemms = new List<(IBackend Backend, IGemm Gemm)>();
                try
                {
                    foreach (var backend in backends)
                    {
                        backend.SetThreads(threads);
                        var gemm = backend.CreateGemm(shape, a, b);
                        gemms.Add((backend, gemm));
                        gemm.Run();
                        Verify(backend.Name, shape, a, b, gemm.Result());
                        Timing.Repeat(gemm.Run, settings.WarmUpSeconds);
                    }

                    var samples = Interleaved.Run(
                        [.. gemms.Select(g => (g.Backend.Name, (Func<double>)(() =>
                        {
                            g.Backend.SetThreads(threads);
                            var (runs, seconds) = Timing.Repeat(g.Gemm.Run, settings.SampleSeconds);
                            return shape.Flops * runs / seconds / 1e9;
                        })))],
                        settings.Repetitions, settings.WaitIdleSeconds);

                    string note = string.Join("; ", samples.Select(s =>
                        $"{s.Key} {100 * s.Value.Median / peak[(512, threads)]:F0}% of FMA-512, {100 * s.Value.Median / peak[(256, threads)]:F0}% of FMA-256"));
                    yield return new ResultRow($"GEMM float32, {PeakWorkload.Threads(threads)}", shape.Name, "GFLOP/s", "F1", Better.Higher, samples, note);
                }
                finally
                {
                    gemms.ForEach(g => g.Gemm.Dispose());
                }
            }
        }
    }

    // Checks 64 entries of C against float64 dot products. The tolerance scales with
    // sum_p |a_ip b_pj|, the size of the terms float32 rounding acts on; a wrong layout or
    // transpose misses by O(1), far outside it.
    private static void Verify(string backend, GemmShape shape, float[] a, float[] b, float[] c)
    {
        if (c.Length != shape.M * shape.N)
            throw new InvalidOperationException($"{backend} {shape}: C has {c.Length} elements; expected {shape.M} x {shape.N}.");
        var random = new SplitMix64(7);
        for (int check = 0; check < 64; check++)
        {
            int i = random.NextInt(shape.M);
            int j = random.NextInt(shape.N);
            double expected = 0;
            double magnitude = 0;
            for (int p = 0; p < shape.K; p++)
            {
                double term = (double)shape.OpA(a, i, p) * shape.OpB(b, p, j);
                expected += term;
                magnitude += Math.Abs(term);
            }
            double actual = c[i * shape.N + j];
            if (Math.Abs(actual - expected) > 1e-5 * magnitude + 1e-6)
                throw new InvalidOperationException($"{backend} {shape}: C[{i}, {j}] = {actual}; expected {expected} (float64).");
        }
    }
}

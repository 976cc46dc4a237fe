using ChainRule.Bench.Commands;
using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Workloads;

/// <summary>The machine's FMA peak (FmaPeak) at 512 and 256 bits, on 1 thread and on all cores.</summary>
public static class PeakWorkload
{
    public const string Section = "Machine peak (float32 FMA, C# Vector512/Vector256)";
    public const string Contestant = "measured";

    public static IReadOnlyList<(int Bits, int Threads)> Probes { get; } =
        [.. new[] { 512, 256 }.SelectMany(bits => ThreadCounts().Select(threads => (bits, threads)))];

    /// <summary>1 and all cores (once, on a single-core machine).</summary>
    public static int[] ThreadCounts() => [.. new[] { 1, Environment.ProcessorCount }.Distinct()];

    public static string Name(int bits, int threads) => $"FMA Vector{bits}, {Threads(threads)}";

    public static string Threads(int threads) => threads == 1 ? "1 thread" : $"{threads} threads";

    public static IEnumerable<ResultRow> Measure(CompareSettings settings)
    {
        foreach (var (bits, threads) in Probes)
        {
            FmaPeak.Measure(bits, threads, settings.WarmUpSeconds);
            var samples = Interleaved.Run([(Contestant, () => FmaPeak.Measure(bits, threads, settings.SampleSeconds))], settings.Repetitions, settings.WaitIdleSeconds);
            yield return new ResultRow(Section, Name(bits, threads), "GFLOP/s", "F1", Better.Higher, samples);
        }
    }
}

using ChainRule.Bench.Commands;
using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// MLP training on Fashion-MNIST, one child process per run (TrainingChild), libraries
/// interleaved. Reports throughput plus the numbers that show both did the same work.
/// </summary>
public static class MlpWorkload
{
    /// <summary>Relative difference of mean epoch loss beyond which two runs are not the same work.</summary>
    public const double SameWorkTolerance = 0.01;

    public static IEnumerable<ResultRow> Measure(IReadOnlyList<IBackend> backends, CompareSettings settings)
    {
        foreach (var spec in MlpSpec.All)
        {
            var runs = backends.ToDictionary(b => b.Name, _ => new List<TrainingResult>());
            var throughput = Interleaved.Run(
                [.. backends.Select(b => (b.Name, (Func<double>)(() =>
                {
                    var result = TrainingChild.Run(b.Name, spec, settings);
                    runs[b.Name].Add(result);
                    return result.SamplesPerSecond;
                })))],
                settings.TrainRepetitions, settings.WaitIdleSeconds);

            string section = $"MLP training, Fashion-MNIST, {spec.Name}, SGD lr {spec.LearningRate}, {PeakWorkload.Threads(Environment.ProcessorCount)}";
            var loss = Collect(runs, r => r.MeanLoss);
            yield return new ResultRow(section, "one epoch (60,000 samples)", "samples/s", "F0", Better.Higher, throughput);
            yield return new ResultRow(section, "mean training loss of the epoch", "loss", "F4", Better.Same, loss, SameWorkNote(loss));
            yield return new ResultRow(section, "test accuracy after the epoch", "fraction", "F4", Better.Same, Collect(runs, r => r.TestAccuracy));
            yield return new ResultRow(section, "peak RSS of the training process", "MB", "F0", Better.Lower, Collect(runs, r => r.PeakRssBytes / 1e6),
                "VmHWM at the child's end: runtime, the harness's float32 copy of the data, and the library");
            yield return new ResultRow(section, "peak RSS growth after loading the data (the library's share)", "MB", "F0", Better.Lower, Collect(runs, r => (r.PeakRssBytes - r.DataRssBytes) / 1e6));
            yield return new ResultRow(section, "managed bytes allocated per step", "KB", "F0", Better.Lower, Collect(runs, r => r.ManagedBytesPerStep / 1e3),
                "GC.GetAllocatedBytesForCurrentThread over the timed epoch; TorchSharp's tensors live in native memory, so its figure is its managed wrappers only");
            yield return new ResultRow(section, "time paused by the .NET GC", "%", "F2", Better.Lower, Collect(runs, r => r.GcPauseFraction * 100),
                "GC.GetTotalPauseDuration over the timed epoch's wall time");
        }
    }

    private static Dictionary<string, Samples> Collect(Dictionary<string, List<TrainingResult>> runs, Func<TrainingResult, double> value) =>
        runs.ToDictionary(kv => kv.Key, kv => new Samples([.. kv.Value.Select(value)]));

    // Compares every library's median loss with the first (reference) library's.
    private static string SameWorkNote(Dictionary<string, Samples> loss)
    {
        var (reference, referenceLoss) = loss.First();
        return string.Join("; ", loss.Skip(1).Select(kv =>
        {
            double difference = Math.Abs(kv.Value.Median / referenceLoss.Median - 1);
            return difference <= SameWorkTolerance
                ? $"{kv.Key} within {100 * difference:F2}% of {reference}: same work"
                : $"{kv.Key} differs from {reference} by {100 * difference:F2}% (> {100 * SameWorkTolerance:F0}%): NOT the same work";
        }));
    }
}

namespace ChainRule.Bench.Harness;

/// <summary>
/// Runs already-warmed samplers round-robin (A B A B ...), so that slow drift of the machine
/// (frequency, other load) hits every contestant alike, and collects each one's samples
/// together with how busy other processes kept the machine during each sample.
/// </summary>
public static class Interleaved
{
    private const int SettleMilliseconds = 300;

    /// <param name="samplers">Contestant name to a function that takes one sample.</param>
    /// <param name="waitIdleSeconds">Before each sample, wait up to this long for other processes to go quiet.</param>
    public static Dictionary<string, Samples> Run(IReadOnlyList<(string Name, Func<double> Sample)> samplers, int repetitions, double waitIdleSeconds)
    {
        var values = samplers.ToDictionary(s => s.Name, _ => new List<double>());
        var otherCores = samplers.ToDictionary(s => s.Name, _ => new List<double>());
        for (int r = 0; r < repetitions; r++)
        {
            foreach (var (name, sample) in samplers)
            {
                // NOTE: collect before, not inside, the timed region, so that garbage left by
                // the previous contestant is not charged to this one.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                // NOTE: and let the previous contestant's worker threads go to sleep first. libtorch's OpenMP
                // workers spin for up to 200 ms after each parallel region (KMP_BLOCKTIME), .NET's thread pool
                // for a shorter while; a sample started sooner shares its cores with them.
                Thread.Sleep(SettleMilliseconds);
                BackgroundLoad.WaitForIdle(waitIdleSeconds);
                var load = new BackgroundLoad();
                values[name].Add(sample());
                otherCores[name].Add(load.OtherCores);
            }
        }
        return values.ToDictionary(kv => kv.Key, kv => new Samples(kv.Value, otherCores[kv.Key]));
    }
}

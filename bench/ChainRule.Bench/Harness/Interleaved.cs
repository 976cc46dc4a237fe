namespace ChainRule.Bench.Harness;

/// <summary>
/// Runs already-warmed samplers round-robin (A B A B ...), so that slow drift of the machine
/// (frequency, other load) hits every contestant alike, and collects each one's samples.
/// </summary>
public static class Interleaved
{
    /// <param name="samplers">Contestant name to a function that takes one sample.</param>
    public static Dictionary<string, Samples> Run(IReadOnlyList<(string Name, Func<double> Sample)> samplers, int repetitions)
    {
        var values = samplers.ToDictionary(s => s.Name, _ => new List<double>());
        for (int r = 0; r < repetitions; r++)
        {
            foreach (var (name, sample) in samplers)
            {
                // NOTE: collect before, not inside, the timed region, so that garbage left by
                // the previous contestant is not charged to this one.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                values[name].Add(sample());
            }
        }
        return values.ToDictionary(kv => kv.Key, kv => new Samples(kv.Value));
    }
}

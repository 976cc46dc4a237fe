namespace ChainRule.Bench.Harness;

/// <summary>
/// Repeated measurements of one quantity, summarised by the median and the relative spread,
/// with how busy other processes kept the machine during each one (BackgroundLoad).
/// </summary>
public sealed class Samples(IReadOnlyList<double> values, IReadOnlyList<double>? otherCores = null)
{
    /// <summary>Other processes' average core use above which a sample counts as disturbed.</summary>
    public const double DisturbedCores = 0.05;

    public IReadOnlyList<double> Values { get; } = values;

    /// <summary>The most cores other processes used on average during any one sample; 0 if not measured.</summary>
    public double MaxOtherCores { get; } = otherCores is { Count: > 0 } ? otherCores.Max() : 0;

    public bool IsDisturbed => MaxOtherCores > DisturbedCores;

    public double Median
    {
        get
        {
            double[] sorted = [.. Values.Order()];
            int middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    /// <summary>Half the range over the median: 0.02 means every sample lies within about +-2%.</summary>
    public double RelativeSpread => Values.Count < 2 || Median == 0 ? 0 : (Values.Max() - Values.Min()) / 2 / Math.Abs(Median);
}

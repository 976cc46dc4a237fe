namespace ChainRule.Bench.Harness;

/// <summary>Repeated measurements of one quantity, summarised by the median and the relative spread.</summary>
public sealed class Samples(IReadOnlyList<double> values)
{
    public IReadOnlyList<double> Values { get; } = values;

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

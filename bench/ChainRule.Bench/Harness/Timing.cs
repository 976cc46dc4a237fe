using System.Diagnostics;

namespace ChainRule.Bench.Harness;

/// <summary>Repeats an action for at least a minimum time and reports how many runs fitted.</summary>
public static class Timing
{
    /// <returns>Runs completed and the seconds they took (at least minSeconds, at least one run).</returns>
    public static (long Runs, double Seconds) Repeat(Action action, double minSeconds)
    {
        long runs = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            action();
            runs++;
        }
        while (clock.Elapsed.TotalSeconds < minSeconds);
        return (runs, clock.Elapsed.TotalSeconds);
    }
}

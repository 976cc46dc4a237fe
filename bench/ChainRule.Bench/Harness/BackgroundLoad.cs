using System.Diagnostics;
using System.Globalization;

namespace ChainRule.Bench.Harness;

/// <summary>
/// How busy other processes kept the machine during a run: all CPU time in /proc/stat minus
/// this process's and its finished children's (/proc/self/stat), per second of wall time.
/// On a small, possibly shared machine this is what tells a clean run from a disturbed one.
/// Linux only; elsewhere it reports nothing.
/// </summary>
public sealed class BackgroundLoad
{
    // USER_HZ: the unit of both files' counters on every mainstream Linux.
    private const double TicksPerSecond = 100;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly (long Busy, long Steal)? _machineAtStart = ReadMachine();
    private readonly long? _ownAtStart = ReadOwn();

    /// <summary>Average number of cores other processes kept busy since construction (0 without /proc).</summary>
    public double OtherCores
    {
        get
        {
            var machine = ReadMachine();
            var own = ReadOwn();
            if (machine is null || own is null || _machineAtStart is null || _ownAtStart is null)
                return 0;
            long others = machine.Value.Busy - _machineAtStart.Value.Busy - (own.Value - _ownAtStart.Value);
            return Math.Max(0, others / TicksPerSecond / _clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>Average number of cores the hypervisor took away since construction (0 without /proc).</summary>
    public double StolenCores
    {
        get
        {
            var machine = ReadMachine();
            return machine is null || _machineAtStart is null
                ? 0
                : (machine.Value.Steal - _machineAtStart.Value.Steal) / TicksPerSecond / _clock.Elapsed.TotalSeconds;
        }
    }

    /// <summary>e.g. "0.02 cores busy with other processes on average, 0.00 stolen by the hypervisor".</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"{OtherCores:F2} cores busy with other processes on average, {StolenCores:F2} stolen by the hypervisor");

    /// <summary>
    /// Returns once other processes used under Samples.DisturbedCores during a 0.2 s window, or
    /// after maxSeconds. On a shared machine this moves samples into the quiet gaps.
    /// </summary>
    public static void WaitForIdle(double maxSeconds)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed.TotalSeconds < maxSeconds)
        {
            var window = new BackgroundLoad();
            Thread.Sleep(200);
            if (window.OtherCores <= Samples.DisturbedCores)
                return;
        }
    }

    /// <summary>The 1-minute load average, or null without /proc/loadavg.</summary>
    public static double? LoadAverage() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : null;

    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (guest is inside user).
    private static (long Busy, long Steal)? ReadMachine()
    {
        if (!File.Exists("/proc/stat"))
            return null;
        long[] t = [.. File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse)];
        return (t[0] + t[1] + t[2] + t[5] + t[6], t[7]);
    }

    // utime, stime, cutime, cstime are fields 14 to 17 of /proc/self/stat, counted from 1; the
    // text after the ")" that closes the command name starts at field 3.
    private static long? ReadOwn()
    {
        if (!File.Exists("/proc/self/stat"))
            return null;
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[11..15].Sum(long.Parse);
    }
}

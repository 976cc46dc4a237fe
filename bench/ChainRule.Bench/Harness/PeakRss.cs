namespace ChainRule.Bench.Harness;

/// <summary>The process's peak resident set size so far, from VmHWM in /proc/self/status (Linux).</summary>
public static class PeakRss
{
    /// <returns>Bytes, or -1 where /proc/self/status has no VmHWM line (not Linux).</returns>
    public static long Read()
    {
        const string Path = "/proc/self/status";
        if (!File.Exists(Path))
            return -1;
        foreach (string line in File.ReadLines(Path))
        {
            // "VmHWM:\t  458752 kB"
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return -1;
    }
}

using System.Diagnostics;
using System.Globalization;

namespace ChainRule.Fuzz;

/// <summary>What one target did with its inputs.</summary>
public sealed class FuzzSummary(string target)
{
    public string Target { get; } = target;

    public long Inputs { get; set; }

    public long Accepted { get; set; }

    public long Refused { get; set; }

    /// <summary>Undocumented exceptions, refusals that do not name the file, and inputs during which the child process died.</summary>
    public long Crashes { get; set; }

    public long Hangs { get; set; }

    public long OverAllocations { get; set; }

    public long MaxAllocated { get; set; }

    public double MaxMilliseconds { get; set; }

    /// <summary>The input that took longest, for a look with repro.</summary>
    public long Slowest { get; set; }

    public double Seconds { get; set; }

    /// <summary>The first failures, each with the command that reproduces it.</summary>
    public List<string> Failures { get; } = [];

    public long FailureCount => Crashes + Hangs + OverAllocations;

    public static string Header =>
        $"{"reader",-15} {"inputs",9} {"refused",9} {"accepted",9} {"crashes",8} {"hangs",6} {"over-alloc",10} {"max alloc",10} {"max ms",8} {"slowest",8} {"seconds",8}";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Target,-15} {Inputs,9} {Refused,9} {Accepted,9} {Crashes,8} {Hangs,6} {OverAllocations,10} {MaxAllocated / (1024.0 * 1024),6:F1} MiB {MaxMilliseconds,8:F1} {Slowest,8} {Seconds,8:F1}");
}

/// <summary>
/// The parent's side: runs a target's inputs in a child process (this assembly started again with 'child ...'), counts
/// what each line reports, and, when the child dies or stops reporting for <see cref="StallSeconds"/>, counts the input
/// it was reading as a crash or a hang and starts a new child after it.
/// </summary>
public static class Fuzzer
{
    public const int StallSeconds = 60;

    private const int KeptFailures = 20;

    public static FuzzSummary Run(FuzzTarget target, int seed, long count, TextWriter? progress = null)
    {
        var summary = new FuzzSummary(target.Name);
        var clock = Stopwatch.StartNew();
        string directory = Path.Combine(Path.GetTempPath(), $"chainrule-fuzz-{target.Name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            long next = 0;
            while (next < count)
            {
                next = RunChild(target, seed, next, count - next, directory, summary, progress);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        summary.Seconds = clock.Elapsed.TotalSeconds;
        return summary;
    }

    /// <summary>The command that runs one input in-process, with its stack trace.</summary>
    public static string Repro(string target, int seed, long index) =>
        $"dotnet tests/ChainRule.Fuzz/bin/Release/net10.0/ChainRule.Fuzz.dll repro {target} {seed} {index}";

    // Returns the index to continue from.
    private static long RunChild(FuzzTarget target, int seed, long start, long count, string directory, FuzzSummary summary, TextWriter? progress)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { typeof(Fuzzer).Assembly.Location, "child", target.Name, seed.ToString(CultureInfo.InvariantCulture),
            start.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture), directory })
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the fuzz child process");
        var stderr = new Queue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.Enqueue(e.Data);
                    if (stderr.Count > 20)
                    {
                        stderr.Dequeue();
                    }
                }
            }
        };
        process.BeginErrorReadLine();
        long next = start;
        bool ready = false;
        var lastReport = Stopwatch.StartNew();
        while (true)
        {
            Task<string?> read = process.StandardOutput.ReadLineAsync();
            if (!read.Wait(TimeSpan.FromSeconds(ready ? StallSeconds : 10 * StallSeconds)))
            {
                // no line for a long time: the input being read never finishes
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Count(summary, "hang", next, target.Name, seed, $"no result after {StallSeconds} s: killed", "");
                return next + 1;
            }
            string? line = read.Result;
            if (line is null)
            {
                break;
            }
            if (!ready)
            {
                ready = line == "ready" ? true : throw new InvalidOperationException($"{target.Name}: {line}");
                continue;
            }
            string[] parts = line.Split('\t');
            string[] fields = parts[0].Split(' ');
            if (fields.Length != 5 || !long.TryParse(fields[0], CultureInfo.InvariantCulture, out long index))
            {
                continue; // something a reader printed, not a result
            }
            next = index + 1;
            double ms = double.Parse(fields[2], CultureInfo.InvariantCulture);
            if (ms > summary.MaxMilliseconds)
            {
                (summary.MaxMilliseconds, summary.Slowest) = (ms, next - 1);
            }
            summary.MaxAllocated = Math.Max(summary.MaxAllocated, long.Parse(fields[3], CultureInfo.InvariantCulture));
            Count(summary, fields[1], next - 1, target.Name, seed, parts.Length > 1 ? $"{parts[1]} ({fields[2]} ms, {fields[3]} bytes, limit {fields[4]})" : "",
                parts.Length > 2 ? parts[2] : "");
            if (progress is not null && lastReport.Elapsed.TotalSeconds > 30)
            {
                progress.WriteLine($"  {target.Name}: {summary.Inputs} inputs, {summary.FailureCount} failures");
                lastReport.Restart();
            }
        }
        process.WaitForExit();
        if (!ready)
        {
            throw new InvalidOperationException($"{target.Name}: the child process exited with {process.ExitCode} before reading anything: {string.Join(" | ", stderr)}");
        }
        if (next < start + count)
        {
            // the process died while reading input `next`: a native crash, a stack overflow, an out-of-memory kill
            string last;
            lock (stderr)
            {
                last = string.Join(" | ", stderr.Take(6));
            }
            Count(summary, "crash", next, target.Name, seed, $"the child process died (exit code {process.ExitCode}): {last}", "");
            return next + 1;
        }
        return next;
    }

    private static void Count(FuzzSummary summary, string outcome, long index, string target, int seed, string problem, string mutations)
    {
        summary.Inputs++;
        switch (outcome)
        {
            case "accepted": summary.Accepted++; return;
            case "refused": summary.Refused++; return;
            case "crash" or "unnamed": summary.Crashes++; break;
            case "hang": summary.Hangs++; break;
            case "alloc": summary.OverAllocations++; break;
            default: throw new InvalidOperationException($"unknown outcome '{outcome}'");
        }
        if (summary.Failures.Count < KeptFailures)
        {
            summary.Failures.Add($"{outcome} at input {index}: {problem}\n    mutations: {mutations}\n    reproduce: {Repro(target, seed, index)}");
        }
    }

    // The dotnet executable that runs this process (dotnet test sets DOTNET_HOST_PATH), else the one on the PATH.
    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is not null && File.Exists(host))
        {
            return host;
        }
        string? process = Environment.ProcessPath;
        return process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using ChainRule.Bench.Backends;
using ChainRule.Bench.Data;
using ChainRule.Bench.Harness;
using ChainRule.Bench.Workloads;

namespace ChainRule.Bench.Commands;

/// <summary>
/// `compare`: every workload on every registered library, interleaved, then one table per
/// section on the console and in markdown at --out.
/// </summary>
public static class CompareCommand
{
    public static int Run(string[] args)
    {
        CompareSettings settings;
        try
        {
            settings = CompareSettings.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (typeof(CompareCommand).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
        {
            Console.Error.WriteLine("This is a Debug build; timings would be meaningless. Run with -c Release.");
            return 1;
        }

        if ((settings.Groups.Contains("mlp") || settings.Groups.Contains("cnn")) && !FashionMnist.Exists(settings.DataDirectory))
        {
            Console.Error.WriteLine($"Fashion-MNIST is not in {settings.DataDirectory}: `apt-get install dataset-fashion-mnist`, pass --data DIR, or leave out mlp with --only.");
            return 1;
        }

        var clock = Stopwatch.StartNew();
        var load = new BackgroundLoad();
        var backends = BackendRegistry.All;
        var machine = MachineInfo.Describe(backends).ToList();
        foreach (var (key, value) in machine)
            Console.WriteLine($"{key + ":",-12} {value}");
        if (BackgroundLoad.LoadAverage() is > 0.5 and var average)
            Console.WriteLine($"WARNING: the load average is {average:F2} before starting; another process is busy and the numbers will be noisy.");
        Console.WriteLine($"Mode:        {(settings.Quick ? "quick" : "full")}, {settings.Repetitions} repetitions ({settings.TrainRepetitions} for training), groups {string.Join(",", settings.Groups)}, wait for idle {settings.WaitIdleSeconds} s");
        Console.WriteLine();

        var rows = new List<ResultRow>();
        void Record(ResultRow row)
        {
            rows.Add(row);
            string medians = string.Join(", ", row.Samples.Select(s => $"{s.Key} {s.Value.Median.ToString(row.Format, CultureInfo.InvariantCulture)}"));
            string disturbed = row.Samples.Values.Any(v => v.IsDisturbed) ? " (disturbed by other processes)" : "";
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {row.Section} | {row.Workload}: {medians} {row.Unit}{disturbed}");
        }

        // The GEMM rows are expressed as a fraction of the FMA peak, so it runs for either group.
        var peak = new Dictionary<(int Bits, int Threads), double>();
        if (settings.Groups.Contains("peak") || settings.Groups.Contains("gemm"))
        {
            foreach (var ((bits, threads), row) in PeakWorkload.Probes.Zip(PeakWorkload.Measure(settings)))
            {
                Record(row);
                peak[(bits, threads)] = row.Samples[PeakWorkload.Contestant].Median;
            }
        }
        // The workloads yield each row as soon as it is measured: Record times and prints it then.
        var groups = new (string Group, Func<IEnumerable<ResultRow>> Measure)[]
        {
            ("gemm", () => GemmWorkload.Measure(backends, settings, peak)),
            ("scalar", () => ScalarGraphWorkload.Measure(backends, settings)),
            ("mlp", () => MlpWorkload.Measure(backends, settings)),
            ("cnn", () => ConvWorkload.Measure(settings, peak).Concat(CnnWorkload.Measure(settings))),
            ("linalg", () => CholeskyWorkload.Measure(backends, settings)),
            ("inference", () => InferenceWorkload.Measure(settings)),
        };
        foreach (var (_, measure) in groups.Where(g => settings.Groups.Contains(g.Group)))
        {
            foreach (var row in measure())
                Record(row);
        }

        machine.Add(("Other load", load.Describe()));
        string command = "dotnet run -c Release --project bench/ChainRule.Bench -- compare " + string.Join(' ', settings.Arguments);
        var report = new Report(machine, rows, command.TrimEnd(), clock.Elapsed.TotalSeconds);
        Console.WriteLine();
        Console.Write(report.ToConsole());
        Directory.CreateDirectory(Path.GetDirectoryName(settings.OutPath)!);
        File.WriteAllText(settings.OutPath, report.ToMarkdown());
        Console.WriteLine($"Markdown written to {settings.OutPath}");
        return 0;
    }
}

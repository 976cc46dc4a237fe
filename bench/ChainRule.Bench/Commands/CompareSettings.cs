using System.Globalization;
using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Commands;

/// <summary>Settings of `compare`. --quick takes fewer and shorter samples; the work inside one (an epoch, a product) is unchanged.</summary>
public sealed record CompareSettings
{
    public static readonly string[] AllGroups = ["peak", "gemm", "scalar", "mlp", "cnn", "linalg", "inference"];

    public bool Quick { get; init; }

    public string OutPath { get; init; } = BenchPaths.DefaultResultsPath();

    public string DataDirectory { get; init; } = BenchPaths.DefaultDataDirectory;

    /// <summary>Samples per contestant for the in-process workloads (peak, GEMM, scalar graph).</summary>
    public int Repetitions { get; init; } = 5;

    /// <summary>Training runs (child processes) per library and network.</summary>
    public int TrainRepetitions { get; init; } = 3;

    /// <summary>Minimum duration of one in-process sample; short ops are repeated until it is reached.</summary>
    public double SampleSeconds { get; init; } = 0.25;

    /// <summary>Untimed running of each contestant before its first sample (JIT, caches, thread pools).</summary>
    public double WarmUpSeconds { get; init; } = 0.25;

    /// <summary>Untimed SGD steps before the timed epoch; the weights are reloaded afterwards.</summary>
    public int WarmUpSteps { get; init; } = 100;

    /// <summary>Before each sample, wait up to this long for other processes to go quiet (0: never wait).</summary>
    public double WaitIdleSeconds { get; init; }

    public IReadOnlySet<string> Groups { get; init; } = new HashSet<string>(AllGroups);

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public static CompareSettings Parse(IReadOnlyList<string> args)
    {
        var settings = args.Contains("--quick")
            ? new CompareSettings { Quick = true, Repetitions = 3, TrainRepetitions = 1, SampleSeconds = 0.05, WarmUpSeconds = 0.05, WarmUpSteps = 20 }
            : new CompareSettings();
        settings = settings with { Arguments = args };
        for (int i = 0; i < args.Count; i++)
        {
            settings = args[i] switch
            {
                "--quick" => settings,
                "--out" => settings with { OutPath = Path.GetFullPath(Value(args, ++i)) },
                "--data" => settings with { DataDirectory = Value(args, ++i) },
                "--reps" => settings with { Repetitions = PositiveInt(args, ++i), TrainRepetitions = PositiveInt(args, i) },
                "--wait-idle" => settings with { WaitIdleSeconds = PositiveInt(args, ++i) },
                "--only" => settings with { Groups = ParseGroups(Value(args, ++i)) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }
        return settings;
    }

    private static string Value(IReadOnlyList<string> args, int i) =>
        i < args.Count ? args[i] : throw new ArgumentException($"Option '{args[i - 1]}' needs a value.");

    private static int PositiveInt(IReadOnlyList<string> args, int i) =>
        int.TryParse(Value(args, i), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"Option '{args[i - 1]}' needs a positive integer, not '{args[i]}'.");

    private static HashSet<string> ParseGroups(string list)
    {
        var groups = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var unknown = groups.Except(AllGroups).ToList();
        return unknown.Count == 0
            ? groups
            : throw new ArgumentException($"Unknown group(s) {string.Join(", ", unknown)}; choose from {string.Join(", ", AllGroups)}.");
    }
}

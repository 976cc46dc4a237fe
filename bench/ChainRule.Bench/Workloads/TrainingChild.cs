using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChainRule.Bench.Commands;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// Starts one training run in a fresh process (this program's hidden train-child command), so
/// that its peak RSS belongs to that run alone, and reads back its TrainingResult.
/// </summary>
public static class TrainingChild
{
    /// <summary>The child's last line of standard output is this prefix followed by the JSON result.</summary>
    public const string ResultPrefix = "RESULT ";

    public static TrainingResult Run(string backend, MlpSpec spec, CompareSettings settings)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("No process path."))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Under `dotnet ChainRule.Bench.dll` the process is the dotnet host: pass the dll again.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
            start.ArgumentList.Add(typeof(TrainingChild).Assembly.Location);
        string[] arguments =
        [
            TrainChildCommand.Name,
            "--backend", backend,
            "--layers", string.Join('-', spec.Layers),
            "--batch", spec.BatchSize.ToString(CultureInfo.InvariantCulture),
            "--lr", spec.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            "--warm-up-steps", settings.WarmUpSteps.ToString(CultureInfo.InvariantCulture),
            "--data", settings.DataDirectory,
        ];
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"Training child for {backend} {spec.Name} exited with {process.ExitCode}:\n{output}");
        return JsonSerializer.Deserialize<TrainingResult>(line[ResultPrefix.Length..])
            ?? throw new InvalidOperationException($"Training child for {backend} {spec.Name} printed an empty result.");
    }
}

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Commands;

/// <summary>
/// `micro`: the BenchmarkDotNet classes (Micro/). Every job runs in-process (--inProcess):
/// BenchmarkDotNet's usual generated child project would copy an unpatched libLibTorchSharp.so
/// (bench/README.md, "Loading TorchSharp"). Artifacts go to bench/BenchmarkDotNet.Artifacts.
/// </summary>
public static class MicroCommand
{
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance
            .WithArtifactsPath(Path.Combine(Path.GetDirectoryName(BenchPaths.DefaultResultsPath())!, "BenchmarkDotNet.Artifacts"))
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        // Without a filter BenchmarkSwitcher asks interactively; run everything instead.
        string[] filter = args.Contains("--filter") ? [] : ["--filter", "*"];
        string[] arguments = ["--inProcess", .. filter, .. args];
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(arguments, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}

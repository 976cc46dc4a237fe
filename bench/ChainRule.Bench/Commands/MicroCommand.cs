using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ChainRule.Bench.Commands;

/// <summary>
/// `micro`: the BenchmarkDotNet classes (Micro/). They run in-process: BenchmarkDotNet's usual
/// child project would copy an unpatched libLibTorchSharp.so (bench/README.md, "Loading TorchSharp").
/// </summary>
public static class MicroCommand
{
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
        // Without arguments BenchmarkSwitcher asks interactively; run everything instead.
        string[] arguments = args.Length == 0 ? ["--filter", "*"] : args;
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(arguments, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}

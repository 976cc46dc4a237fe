// Entry point of the benchmark harness: dispatches subcommands, holds no logic.
//   compare [--quick] [--out PATH] [--data DIR] [--reps N] [--only GROUPS] [--wait-idle S]
//       side-by-side tables of every workload on every registered library
//   micro [BenchmarkDotNet arguments]
//       the BenchmarkDotNet classes, in-process
//   train-child ...
//       (hidden) one training run in a fresh process, so its peak RSS is its own
using ChainRule.Bench.Commands;

return args switch
{
    ["compare", .. var rest] => CompareCommand.Run(rest),
    ["micro", .. var rest] => MicroCommand.Run(rest),
    [TrainChildCommand.Name, .. var rest] => TrainChildCommand.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine(
        """
        usage: dotnet run -c Release --project bench/ChainRule.Bench -- <command>

          compare [--quick] [--out PATH] [--data DIR] [--reps N] [--only peak,gemm,scalar,mlp,cnn,linalg] [--wait-idle S]
              Runs every workload on every registered library, interleaved (A B A B ...),
              prints medians and ratios, and writes them as markdown to PATH
              (default: bench/RESULTS.md).
          micro [BenchmarkDotNet arguments, e.g. --filter *Gemm*]
              Runs the BenchmarkDotNet classes in-process.
        """);
    return 2;
}

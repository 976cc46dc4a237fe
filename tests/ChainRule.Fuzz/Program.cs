using System.Globalization;

namespace ChainRule.Fuzz;

/// <summary>
/// The fuzz runner's commands (the tests start the child mode; people use run and repro):
/// <code>
///   run [ITERATIONS] [SEED] [TARGET,...]   every target (or the ones named), ITERATIONS inputs each (default 100,000)
///   repro TARGET SEED INDEX [FILE]         one input in this process, with its mutations and stack trace; FILE gets its bytes
///   child TARGET SEED START COUNT DIR      (internal) read inputs START .. START + COUNT - 1, one result line each
/// </code>
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: ChainRule.Fuzz run [ITERATIONS] [SEED] [TARGET,...] | repro TARGET SEED INDEX [FILE]");
            return 2;
        }
        switch (args[0])
        {
            case "child":
                return Child.Run(FuzzTarget.Find(args[1]), Int(args[2]), Long(args[3]), Long(args[4]), args[5]);
            case "repro":
                Child.Reproduce(FuzzTarget.Find(args[1]), Int(args[2]), Long(args[3]), Path.Combine(Path.GetTempPath(), $"chainrule-fuzz-repro-{Environment.ProcessId}"),
                    args.Length > 4 ? args[4] : null);
                return 0;
            case "run":
                long iterations = args.Length > 1 ? Long(args[1]) : 100_000;
                int seed = args.Length > 2 ? Int(args[2]) : FuzzTests.DefaultSeed;
                IEnumerable<FuzzTarget> targets = args.Length > 3 ? args[3].Split(',').Select(FuzzTarget.Find) : FuzzTarget.All;
                Console.WriteLine($"{iterations:N0} inputs per reader, seed {seed}");
                Console.WriteLine(FuzzSummary.Header);
                long failures = 0;
                foreach (FuzzTarget target in targets)
                {
                    FuzzSummary summary = Fuzzer.Run(target, seed, iterations, Console.Error);
                    Console.WriteLine(summary);
                    foreach (string failure in summary.Failures)
                    {
                        Console.WriteLine("  " + failure);
                    }
                    failures += summary.FailureCount;
                }
                return failures == 0 ? 0 : 1;
            default:
                Console.Error.WriteLine($"unknown command '{args[0]}'");
                return 2;
        }
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}

using System.Globalization;
using Xunit.Abstractions;

namespace ChainRule.Fuzz;

/// <summary>
/// Every reader of user bytes, fed seeded mutations of valid files: no exception but the documented ones, no input
/// over 1 s, none allocating more than 64 MiB + 100 x its size. CHAINRULE_FUZZ_ITERATIONS (default 2,000) sets the
/// inputs per reader, CHAINRULE_FUZZ_SEED (default 11) the seed.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    public const int DefaultSeed = 11;

    public static TheoryData<string> Targets => [.. FuzzTarget.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Reader_refuses_mutated_input_cleanly(string target)
    {
        long iterations = Setting("CHAINRULE_FUZZ_ITERATIONS", 2000);
        int seed = (int)Setting("CHAINRULE_FUZZ_SEED", DefaultSeed);
        FuzzSummary summary = Fuzzer.Run(FuzzTarget.Find(target), seed, iterations);
        output.WriteLine(FuzzSummary.Header);
        output.WriteLine(summary.ToString());
        Assert.True(summary.FailureCount == 0, $"{summary}\n{string.Join("\n", summary.Failures)}");
        Assert.Equal(iterations, summary.Inputs);
    }

    private static long Setting(string name, long fallback) =>
        Environment.GetEnvironmentVariable(name) is string text ? long.Parse(text, CultureInfo.InvariantCulture) : fallback;
}

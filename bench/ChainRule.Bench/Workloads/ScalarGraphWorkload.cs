using ChainRule.Bench.Commands;
using ChainRule.Bench.Harness;

namespace ChainRule.Bench.Workloads;

/// <summary>Microseconds per op of ScalarGraph's expression (forward + backward), all cores allowed.</summary>
public static class ScalarGraphWorkload
{
    public static IEnumerable<ResultRow> Measure(IReadOnlyList<IBackend> backends, CompareSettings settings)
    {
        var expected = ScalarGraph.Reference(ScalarGraph.Ops);
        var graphs = new List<(IBackend Backend, IScalarGraph Graph)>();
        var notes = new List<string>();
        foreach (var backend in backends)
        {
            backend.SetThreads(Environment.ProcessorCount);
            var graph = backend.CreateScalarGraph();
            var actual = graph.Run(ScalarGraph.Ops);
            // dv/dx underflows in float32 (ScalarGraph), so it is checked absolutely.
            double error = Math.Max(RelativeError(actual.Value, expected.Value), RelativeError(actual.GradW, expected.GradW));
            if (error > 1e-3 || Math.Abs(actual.GradX - expected.GradX) > 1e-6)
                throw new InvalidOperationException($"{backend.Name}: scalar graph gives {actual}; the float64 reference is {expected}.");
            notes.Add($"{backend.Name} matches the float64 reference to {error:E0}");
            Timing.Repeat(() => graph.Run(ScalarGraph.Ops), settings.WarmUpSeconds);
            graphs.Add((backend, graph));
        }

        var samples = Interleaved.Run(
            [.. graphs.Select(g => (g.Backend.Name, (Func<double>)(() =>
            {
                g.Backend.SetThreads(Environment.ProcessorCount);
                var (runs, seconds) = Timing.Repeat(() => g.Graph.Run(ScalarGraph.Ops), settings.SampleSeconds);
                return seconds / runs / ScalarGraph.Ops * 1e6;
            })))],
            settings.Repetitions, settings.WaitIdleSeconds);
        notes.Add($"v = {expected.Value:F6}, dv/dw = {expected.GradW:F6}");
        yield return new ResultRow(
            "Small graph (0-d tensors)",
            $"{ScalarGraph.Ops} ops add/mul/tanh, forward + backward",
            "us/op",
            "F2",
            Better.Lower,
            samples,
            string.Join("; ", notes));
    }

    private static double RelativeError(double actual, double expected) =>
        Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-30);
}

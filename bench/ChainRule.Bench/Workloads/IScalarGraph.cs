namespace ChainRule.Bench.Workloads;

/// <summary>The small-graph workload of one backend: ScalarGraph describes the expression.</summary>
public interface IScalarGraph
{
    /// <summary>
    /// Builds ScalarGraph's expression from fresh 0-d float32 leaves x and w (gradients on),
    /// runs backward from the result, and returns the value and both gradients. This is the timed call.
    /// </summary>
    ScalarGraphResult Run(int ops);
}

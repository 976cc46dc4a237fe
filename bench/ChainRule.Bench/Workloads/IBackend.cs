namespace ChainRule.Bench.Workloads;

/// <summary>
/// One library under test. The harness owns data, initial weights, timing and statistics; a
/// backend only turns the harness's plain arrays into its own tensors and runs the work.
/// TorchSharp is registered now; ChainRule adds one class and one line in BackendRegistry.
/// </summary>
public interface IBackend
{
    /// <summary>Column name in the tables, e.g. "TorchSharp".</summary>
    string Name { get; }

    /// <summary>Version string printed with the machine description.</summary>
    string Version { get; }

    /// <summary>Sets how many threads the library's own kernels may use from now on.</summary>
    void SetThreads(int threads);

    /// <summary>Prepares C = op(A) op(B) (untimed). A and B are laid out as GemmShape describes.</summary>
    IGemm CreateGemm(GemmShape shape, float[] a, float[] b);

    /// <summary>Prepares an MLP and uploads the training set (untimed).</summary>
    /// <param name="spec">Layer sizes, batch size and learning rate.</param>
    /// <param name="images">(count, 784) row-major, pixel / 255.</param>
    /// <param name="labels">(count), class 0..9.</param>
    IMlpTrainer CreateMlpTrainer(MlpSpec spec, float[] images, byte[] labels);

    /// <summary>Prepares the Cholesky factorization of the (n, n) float64 SPD matrix a, row-major (untimed).</summary>
    ICholesky CreateCholesky(int n, double[] a);

    /// <summary>Prepares the small-graph workload (ScalarGraph describes the expression).</summary>
    IScalarGraph CreateScalarGraph();
}

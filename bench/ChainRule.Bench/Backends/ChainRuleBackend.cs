using ChainRule.Bench.Workloads;

namespace ChainRule.Bench.Backends;

/// <summary>ChainRule, used the way its README shows: Tensors, Variables, F, NN and Optim.</summary>
public sealed class ChainRuleBackend : IBackend
{
    public string Name => "ChainRule";

    public string Version => typeof(Tensor).Assembly.GetName().Version?.ToString() ?? "dev";

    public void SetThreads(int threads) => Parallelism.MaxDegree = threads;

    public IGemm CreateGemm(GemmShape shape, float[] a, float[] b) => new ChainRuleGemm(shape, a, b);

    public IMlpTrainer CreateMlpTrainer(MlpSpec spec, float[] images, byte[] labels) => new ChainRuleMlpTrainer(spec, images, labels);

    public IScalarGraph CreateScalarGraph() => new ChainRuleScalarGraph();

    public ICholesky CreateCholesky(int n, double[] a) => new ChainRuleCholesky(n, a);
}

/// <summary>L = Tensor.Cholesky(A), as a user calls it.</summary>
public sealed class ChainRuleCholesky(int n, double[] a) : ICholesky
{
    private readonly Tensor _a = Tensor.FromArray(a, [n, n]);
    private Tensor? _l;

    public void Run() => _l = Tensor.Cholesky(_a);

    public double[] Result() => _l!.ToDoubleArray();

    public void Dispose()
    {
    }
}

/// <summary>
/// C = op(A) op(B) through Tensor.MatMul into one result allocated up front (torch.matmul's out=, cblas_sgemm's C):
/// a loop of products reuses its memory instead of page-faulting a fresh 4 MiB at 1024. A transposed operand is a
/// view, as a user would write it.
/// </summary>
public sealed class ChainRuleGemm : IGemm
{
    private readonly Tensor _a;
    private readonly Tensor _b;
    private readonly Tensor _c;

    public ChainRuleGemm(GemmShape shape, float[] a, float[] b)
    {
        Tensor storedA = Tensor.FromArray(a, shape.TransA ? [shape.K, shape.M] : [shape.M, shape.K]);
        Tensor storedB = Tensor.FromArray(b, shape.TransB ? [shape.N, shape.K] : [shape.K, shape.N]);
        _a = shape.TransA ? storedA.Transpose() : storedA;
        _b = shape.TransB ? storedB.Transpose() : storedB;
        _c = Tensor.Zeros([shape.M, shape.N]);
    }

    public void Run() => Tensor.MatMul(_a, _b, _c);

    public float[] Result() => _c.ToArray();

    public void Dispose()
    {
    }
}

/// <summary>The small-graph workload: ScalarGraph's expression on 0-d float32 Variables.</summary>
public sealed class ChainRuleScalarGraph : IScalarGraph
{
    public ScalarGraphResult Run(int ops)
    {
        var x = new Variable(Tensor.Scalar(0.5));
        var w = new Variable(Tensor.Scalar(0.9));
        Variable v = x;
        for (int i = 0; i < ops; i++)
        {
            v = (i % 3) switch
            {
                0 => v + w,
                1 => v * w,
                _ => F.Tanh(v),
            };
        }
        v.Backward();
        return new ScalarGraphResult(v.Item(), x.Grad!.Item(), w.Grad!.Item());
    }
}

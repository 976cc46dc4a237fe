using System.Reflection;
using ChainRule.Bench.Workloads;
using TorchSharp;

namespace ChainRule.Bench.Backends;

/// <summary>TorchSharp (libtorch on CPU): the peer ChainRule is measured against.</summary>
public sealed class TorchSharpBackend : IBackend
{
    public string Name => "TorchSharp";

    public string Version
    {
        get
        {
            string? version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            return $"{version?.Split('+')[0] ?? "unknown"} (libtorch {torch.__version__})";
        }
    }

    public void SetThreads(int threads) => torch.set_num_threads(threads);

    public IGemm CreateGemm(GemmShape shape, float[] a, float[] b) => new TorchSharpGemm(shape, a, b);

    public IMlpTrainer CreateMlpTrainer(MlpSpec spec, float[] images, byte[] labels) => new TorchSharpMlpTrainer(spec, images, labels);

    public IScalarGraph CreateScalarGraph() => new TorchSharpScalarGraph();

    public ICholesky CreateCholesky(int n, double[] a) => new TorchSharpCholesky(n, a);
}

/// <summary>L = torch.linalg.cholesky(A) (LAPACK's dpotrf inside libtorch).</summary>
public sealed class TorchSharpCholesky(int n, double[] a) : ICholesky
{
    private readonly torch.Tensor _a = torch.tensor(a, [n, n], torch.float64);
    private torch.Tensor? _l;

    public void Run()
    {
        _l?.Dispose();
        _l = torch.linalg.cholesky(_a);
    }

    public double[] Result() => _l!.data<double>().ToArray();

    public void Dispose()
    {
        _l?.Dispose();
        _a.Dispose();
    }
}

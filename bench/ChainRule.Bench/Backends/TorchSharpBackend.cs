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
}

using BenchmarkDotNet.Attributes;
using ChainRule.NN;
using static TorchSharp.torch;

namespace ChainRule.Bench.Micro;

/// <summary>
/// The non-GEMM kernels of a training step at the 784-256-10 batch-64 MLP's shapes, ChainRule against
/// TorchSharp (the baseline, so BenchmarkDotNet's Ratio column is ChainRule / TorchSharp): an elementwise
/// activation, its fused backward, a bias gradient (sum over the batch), the fused softmax cross-entropy,
/// and one SGD update of a 784 x 256 weight. One thread.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KernelBench
{
    private ChainRule.Tensor _h = null!, _gy = null!, _logits = null!, _labels = null!;
    private Parameter _weight = null!;
    private Optim.Sgd _sgd = null!;
    private TorchSharp.torch.Tensor _th = null!, _tgy = null!, _tlogits = null!, _tlabels = null!, _tweight = null!, _tgrad = null!;

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegree = 1;
        set_num_threads(1);
        var g = new Generator(7);
        _h = ChainRule.Tensor.RandomNormal([64, 256], 0, 1, g);
        _gy = ChainRule.Tensor.RandomNormal([64, 256], 0, 1, g);
        _logits = ChainRule.Tensor.RandomNormal([64, 10], 0, 1, g);
        _labels = ChainRule.Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (long)(i % 10)).ToArray());
        _weight = new Parameter(ChainRule.Tensor.RandomNormal([256, 784], 0, 0.05, g));
        _weight.GradValue = new Variable(ChainRule.Tensor.RandomNormal([256, 784], 0, 1, g), requiresGrad: false);
        _sgd = new Optim.Sgd([_weight], 0.1);

        _th = tensor(_h.ToArray(), [64, 256]);
        _tgy = tensor(_gy.ToArray(), [64, 256]);
        _tlogits = tensor(_logits.ToArray(), [64, 10]);
        _tlabels = tensor(Enumerable.Range(0, 64).Select(i => (long)(i % 10)).ToArray());
        _tweight = tensor(_weight.Data.ToArray(), [256, 784]);
        _tgrad = tensor(_weight.GradValue.Data.ToArray(), [256, 784]);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("relu")]
    public void ReluTorchSharp()
    {
        using var y = nn.functional.relu(_th);
    }

    [Benchmark, BenchmarkCategory("relu")]
    public ChainRule.Tensor ReluChainRule() => ChainRule.Tensor.Relu(_h);

    [Benchmark(Baseline = true), BenchmarkCategory("relu backward")]
    public void ReluBackwardTorchSharp()
    {
        // NOTE: libtorch's own threshold_backward kernel is not exposed by TorchSharp; this is what a user writes.
        using var mask = _th.gt(0);
        using var y = where(mask, _tgy, 0f);
    }

    [Benchmark, BenchmarkCategory("relu backward")]
    public ChainRule.Tensor ReluBackwardChainRule() => ChainRule.Tensor.ReluBackward(_gy, _h);

    [Benchmark(Baseline = true), BenchmarkCategory("bias gradient")]
    public void BiasGradientTorchSharp()
    {
        using var y = _tgy.sum(0);
    }

    [Benchmark, BenchmarkCategory("bias gradient")]
    public ChainRule.Tensor BiasGradientChainRule() => _gy.Sum(0);

    [Benchmark(Baseline = true), BenchmarkCategory("cross-entropy")]
    public void CrossEntropyTorchSharp()
    {
        using var loss = nn.functional.cross_entropy(_tlogits, _tlabels);
    }

    [Benchmark, BenchmarkCategory("cross-entropy")]
    public ChainRule.Tensor CrossEntropyChainRule() => ChainRule.Tensor.SoftmaxCrossEntropy(_logits, ChainRule.Tensor.OneHot(_labels, 10)).Losses;

    [Benchmark(Baseline = true), BenchmarkCategory("sgd step")]
    public void SgdTorchSharp()
    {
        using var noGrad = no_grad();
        _tweight.add_(_tgrad, alpha: -0.1);
    }

    [Benchmark, BenchmarkCategory("sgd step")]
    public void SgdChainRule() => _sgd.Step();
}

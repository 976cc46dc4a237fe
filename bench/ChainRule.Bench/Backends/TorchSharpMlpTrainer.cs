using ChainRule.Bench.Workloads;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ChainRule.Bench.Backends;

// NOTE: inside namespace ChainRule.*, 'Tensor' would mean ChainRule.Tensor; here it is libtorch's.
using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// The MLP of an MlpSpec as an idiomatic TorchSharp program: nn.Sequential of nn.Linear and
/// nn.ReLU, nn.functional.cross_entropy (mean over the batch), optim.SGD without momentum.
/// The training set lives in one (count, 784) tensor; each step gathers its rows with index_select.
/// </summary>
public sealed class TorchSharpMlpTrainer : IMlpTrainer
{
    private readonly MlpSpec _spec;
    private readonly Linear[] _linears;
    private readonly Sequential _model;
    private readonly optim.Optimizer _sgd;
    private readonly Tensor _images;
    private readonly Tensor _labels;

    public TorchSharpMlpTrainer(MlpSpec spec, float[] images, byte[] labels)
    {
        _spec = spec;
        int[] layers = spec.Layers;
        _linears = [.. Enumerable.Range(0, layers.Length - 1).Select(l => nn.Linear(layers[l], layers[l + 1]))];
        var modules = new List<nn.Module<Tensor, Tensor>>();
        for (int l = 0; l < _linears.Length; l++)
        {
            modules.Add(_linears[l]);
            if (l < _linears.Length - 1)
                modules.Add(nn.ReLU());
        }
        _model = nn.Sequential(modules);
        _sgd = optim.SGD(_model.parameters(), spec.LearningRate);

        _images = tensor(images, [labels.Length, layers[0]]);
        _labels = tensor(labels.Select(l => (long)l).ToArray());
    }

    public void LoadParameters(MlpParameters parameters)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int l = 0; l < _linears.Length; l++)
        {
            // The harness stores W as (in, out); nn.Linear keeps its weight as (out, in).
            var w = tensor(parameters.Weights[l], [_spec.Layers[l], _spec.Layers[l + 1]]);
            _linears[l].weight!.copy_(w.t());
            _linears[l].bias!.copy_(tensor(parameters.Biases[l]));
        }
    }

    public double Train(ReadOnlySpan<int> order)
    {
        using var indices = tensor(order.ToArray().Select(i => (long)i).ToArray());
        double lossSum = 0;
        for (int start = 0; start < order.Length; start += _spec.BatchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(_spec.BatchSize, order.Length - start);
            var batch = indices.narrow(0, start, count);
            var x = _images.index_select(0, batch);
            var y = _labels.index_select(0, batch);

            var loss = nn.functional.cross_entropy(_model.forward(x), y);
            _sgd.zero_grad();
            loss.backward();
            _sgd.step();
            lossSum += loss.item<float>() * (double)count;
        }
        return lossSum / order.Length;
    }

    public double Accuracy(float[] images, byte[] labels)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = tensor(images, [labels.Length, _spec.Layers[0]]);
        var predicted = _model.forward(x).argmax(1).data<long>().ToArray();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (predicted[i] == labels[i])
                correct++;
        }
        return correct / (double)labels.Length;
    }

    public void Dispose()
    {
        _sgd.Dispose();
        _model.Dispose();
        _images.Dispose();
        _labels.Dispose();
    }
}

using ChainRule.Bench.Workloads;
using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Bench.Backends;

/// <summary>
/// The MLP of an MlpSpec as a ChainRule program: a Sequential of Linear and Relu, the fused softmax
/// cross-entropy (mean over the batch) and plain Sgd. Each step gathers its batch rows from one
/// (count, 784) array into a new tensor, as a DataLoader does (TorchSharp's side: index_select), inside a StepScope
/// as Trainer opens one per batch.
/// </summary>
public sealed class ChainRuleMlpTrainer : IMlpTrainer
{
    private readonly MlpSpec _spec;
    private readonly Linear[] _linears;
    private readonly Sequential _model;
    private readonly Sgd _sgd;
    private readonly float[] _images;
    private readonly byte[] _labels;

    public ChainRuleMlpTrainer(MlpSpec spec, float[] images, byte[] labels)
    {
        _spec = spec;
        int[] layers = spec.Layers;
        var generator = new Generator(1);
        _linears = [.. Enumerable.Range(0, layers.Length - 1).Select(l => new Linear(layers[l], layers[l + 1], generator))];
        var modules = new List<Module>();
        for (int l = 0; l < _linears.Length; l++)
        {
            modules.Add(_linears[l]);
            if (l < _linears.Length - 1)
            {
                modules.Add(new Relu());
            }
        }
        _model = new Sequential([.. modules]);
        _sgd = new Sgd(_model.Parameters(), spec.LearningRate);
        _images = images;
        _labels = labels;
    }

    public void LoadParameters(MlpParameters parameters)
    {
        for (int l = 0; l < _linears.Length; l++)
        {
            // The harness stores W as (in, out); Linear keeps its weight as (out, in), like nn.Linear.
            Tensor w = Tensor.FromArray(parameters.Weights[l], [_spec.Layers[l], _spec.Layers[l + 1]]);
            _linears[l].Weight.Data.CopyFrom(w.Transpose());
            _linears[l].Bias!.Data.CopyFrom(Tensor.FromArray(parameters.Biases[l]));
        }
    }

    public double Train(ReadOnlySpan<int> order)
    {
        int features = _spec.Layers[0];
        double lossSum = 0;
        for (int start = 0; start < order.Length; start += _spec.BatchSize)
        {
            int count = Math.Min(_spec.BatchSize, order.Length - start);
            using var step = new StepScope(); // the batch, the activations and the gradients go back to the pool at the step's end
            Tensor x = Tensor.Uninitialized(new Shape(count, features), DType.Float32); // every element written below
            Tensor y = Tensor.Uninitialized(new Shape(count), DType.Int64); // class indices, as torch's cross_entropy takes them
            Span<float> xs = x.AsSpan<float>();
            Span<long> ys = y.AsSpan<long>();
            for (int i = 0; i < count; i++)
            {
                int row = order[start + i];
                _images.AsSpan(row * features, features).CopyTo(xs.Slice(i * features, features));
                ys[i] = _labels[row];
            }
            _sgd.ZeroGrad();
            Variable loss = Losses.SoftmaxCrossEntropy(_model.Forward(x), y);
            loss.Backward();
            _sgd.Step();
            lossSum += loss.Item() * count;
        }
        return lossSum / order.Length;
    }

    public double Accuracy(float[] images, byte[] labels)
    {
        int features = _spec.Layers[0];
        using (Autograd.NoGrad())
        {
            _model.Eval();
            Tensor predicted = _model.Forward(Tensor.FromArray(images, [labels.Length, features])).Data.ArgMax(1);
            _model.Train();
            long[] p = predicted.ToArray<long>();
            return p.Where((v, i) => v == labels[i]).Count() / (double)labels.Length;
        }
    }

    public void Dispose()
    {
    }
}

using System.Diagnostics;
using ChainRule.Bench.Backends;
using ChainRule.Bench.Commands;
using ChainRule.Bench.Data;
using ChainRule.Bench.Harness;
using ChainRule.NN;
using static TorchSharp.torch;

namespace ChainRule.Bench.Workloads;

// NOTE: inside namespace ChainRule.*, 'Tensor' would mean ChainRule.Tensor.
using TorchTensor = TorchSharp.torch.Tensor;

/// <summary>
/// The issue-10 CNN without its dropout (so both libraries do exactly the same arithmetic):
/// conv32k3-bn-relu-pool2-conv64k3-bn-relu-pool2-fc128-relu-fc10 on Fashion-MNIST, plain SGD, the same initial
/// weights (ChainRule's, copied into TorchSharp's nn.Sequential) and the same batch order. Each sample reloads the
/// weights and trains a fixed number of steps; the rows are samples/s, the mean loss of those steps (the
/// same-work check) and the managed bytes and GC pauses per step. In process, interleaved A B A B.
/// </summary>
public static class CnnWorkload
{
    public const string Spec = "conv32k3-bn-relu-pool2-conv64k3-bn-relu-pool2-fc128-relu-fc10";

    private const float LearningRate = 0.01f;

    public static IEnumerable<ResultRow> Measure(CompareSettings settings)
    {
        var data = FashionMnist.Load(settings.DataDirectory);
        int[] order = new SplitMix64(TrainChildCommand.OrderSeed).Permutation(data.TrainCount);
        Sequential initial = Architecture.Build(Spec, [1, 28, 28], new Generator(TrainChildCommand.ParameterSeed), outputs: 10);
        float[][] weights = [.. initial.Parameters().Select(p => p.Data.ToArray())];
        int[][] shapes = [.. initial.Parameters().Select(p => p.Shape.ToArray())];
        foreach (int batch in new[] { 64, 256 })
        {
            int steps = settings.Quick ? 10 : Math.Max(10, 12_800 / batch); // about 12,800 samples per sample
            using var chainRule = new ChainRuleCnn(data, weights, order, batch);
            using var torchSharp = new TorchSharpCnn(data, weights, shapes, order, batch);
            var results = new Dictionary<string, List<(double SamplesPerSecond, double Loss, double Bytes, double Gc)>>
            {
                ["ChainRule"] = [],
                ["TorchSharp"] = [],
            };
            ChainRule.Parallelism.MaxDegree = Environment.ProcessorCount;
            set_num_threads(Environment.ProcessorCount);
            chainRule.Run(3);
            torchSharp.Run(3);
            var throughput = Interleaved.Run(
                [
                    ("ChainRule", () => Sample(results["ChainRule"], () => chainRule.Run(steps), steps, batch)),
                    ("TorchSharp", () => Sample(results["TorchSharp"], () => torchSharp.Run(steps), steps, batch)),
                ],
                settings.TrainRepetitions, settings.WaitIdleSeconds);
            string section = $"CNN training, Fashion-MNIST, {Spec}, batch {batch}, SGD lr {LearningRate}, {PeakWorkload.Threads(Environment.ProcessorCount)}";
            yield return new ResultRow(section, $"{steps} steps from the same weights", "samples/s", "F0", Better.Higher, throughput);
            var loss = Collect(results, r => r.Loss);
            double difference = Math.Abs((loss["TorchSharp"].Median / loss["ChainRule"].Median) - 1);
            yield return new ResultRow(section, "mean training loss of those steps", "loss", "F4", Better.Same, loss,
                difference <= MlpWorkload.SameWorkTolerance ? $"within {100 * difference:F2}%: same work" : $"differ by {100 * difference:F2}%: NOT the same work");
            yield return new ResultRow(section, "managed bytes allocated per step", "MB", "F2", Better.Lower, Collect(results, r => r.Bytes / 1e6),
                "GC.GetTotalAllocatedBytes; TorchSharp's tensors live in native memory, so its figure is its managed wrappers only");
            yield return new ResultRow(section, "time paused by the .NET GC", "%", "F2", Better.Lower, Collect(results, r => r.Gc * 100));
        }
    }

    private static double Sample(List<(double, double, double, double)> into, Func<double> run, int steps, int batch)
    {
        long bytes = GC.GetTotalAllocatedBytes(true);
        TimeSpan paused = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        double loss = run();
        double seconds = clock.Elapsed.TotalSeconds;
        into.Add((steps * batch / seconds, loss, (GC.GetTotalAllocatedBytes(true) - bytes) / (double)steps, (GC.GetTotalPauseDuration() - paused).TotalSeconds / seconds));
        return steps * batch / seconds;
    }

    private static Dictionary<string, Samples> Collect(Dictionary<string, List<(double SamplesPerSecond, double Loss, double Bytes, double Gc)>> runs, Func<(double SamplesPerSecond, double Loss, double Bytes, double Gc), double> value) =>
        runs.ToDictionary(kv => kv.Key, kv => new Samples([.. kv.Value.Select(value)]));

    /// <summary>ChainRule: the spec built by Architecture, Losses.SoftmaxCrossEntropy, Sgd.</summary>
    private sealed class ChainRuleCnn : IDisposable
    {
        private readonly Sequential _model;
        private readonly ChainRule.Optim.Sgd _sgd;
        private readonly float[][] _weights;
        private readonly ChainRule.Tensor _images;
        private readonly ChainRule.Tensor _labels;
        private readonly int[] _order;
        private readonly int _batch;

        public ChainRuleCnn(FashionMnist data, float[][] weights, int[] order, int batch)
        {
            _model = Architecture.Build(Spec, [1, 28, 28], new Generator(0), outputs: 10);
            _sgd = new ChainRule.Optim.Sgd(_model.Parameters(), LearningRate);
            (_weights, _order, _batch) = (weights, order, batch);
            _images = ChainRule.Tensor.FromArray(data.TrainImages, [data.TrainCount, FashionMnist.Pixels]);
            _labels = ChainRule.Tensor.FromArray(data.TrainLabels.Select(l => (long)l).ToArray(), [data.TrainCount]);
        }

        public double Run(int steps)
        {
            foreach ((Parameter p, float[] w) in _model.Parameters().Zip(_weights))
            {
                p.Data.CopyFrom(ChainRule.Tensor.FromArray(w, p.Shape));
            }
            double lossSum = 0;
            for (int s = 0; s < steps; s++)
            {
                using var step = new StepScope(); // the step's activations and gradients go back to the pool at its end
                long[] rows = [.. Enumerable.Range(s * _batch, _batch).Select(i => (long)_order[i % _order.Length])];
                ChainRule.Tensor index = ChainRule.Tensor.FromArray(rows, [_batch]);
                ChainRule.Tensor x = _images.Take(index, 0), y = _labels.Take(index, 0);
                _sgd.ZeroGrad();
                Variable loss = Losses.SoftmaxCrossEntropy(_model.Forward(x), y);
                loss.Backward();
                _sgd.Step();
                lossSum += loss.Item();
            }
            return lossSum / steps;
        }

        public void Dispose()
        {
        }
    }

    /// <summary>TorchSharp: the same stack as nn.Sequential, nn.functional.cross_entropy, optim.SGD.</summary>
    private sealed class TorchSharpCnn : IDisposable
    {
        private readonly TorchSharp.Modules.Sequential _model;
        private readonly optim.Optimizer _sgd;
        private readonly float[][] _weights;
        private readonly int[][] _shapes;
        private readonly TorchTensor _images;
        private readonly TorchTensor _labels;
        private readonly int[] _order;
        private readonly int _batch;

        public TorchSharpCnn(FashionMnist data, float[][] weights, int[][] shapes, int[] order, int batch)
        {
            _model = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding: 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding: 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10));
            _sgd = optim.SGD(_model.parameters(), LearningRate);
            (_weights, _shapes, _order, _batch) = (weights, shapes, order, batch);
            _images = tensor(data.TrainImages, [data.TrainCount, 1, 28, 28]);
            _labels = tensor(data.TrainLabels.Select(l => (long)l).ToArray());
        }

        public double Run(int steps)
        {
            using (no_grad())
            {
                var parameters = _model.parameters().ToArray();
                if (parameters.Length != _weights.Length)
                {
                    throw new InvalidOperationException($"TorchSharp's CNN has {parameters.Length} parameters, ChainRule's {_weights.Length}.");
                }
                for (int i = 0; i < parameters.Length; i++)
                {
                    using var w = tensor(_weights[i], [.. _shapes[i].Select(d => (long)d)]);
                    parameters[i].copy_(w);
                }
            }
            double lossSum = 0;
            for (int s = 0; s < steps; s++)
            {
                using var scope = NewDisposeScope();
                using var step = new StepScope(); // the step's activations and gradients go back to the pool at its end
                long[] rows = [.. Enumerable.Range(s * _batch, _batch).Select(i => (long)_order[i % _order.Length])];
                var index = tensor(rows);
                var x = _images.index_select(0, index);
                var y = _labels.index_select(0, index);
                var loss = nn.functional.cross_entropy(_model.forward(x), y);
                _sgd.zero_grad();
                loss.backward();
                _sgd.step();
                lossSum += loss.item<float>();
            }
            return lossSum / steps;
        }

        public void Dispose()
        {
            _sgd.Dispose();
            _model.Dispose();
            _images.Dispose();
            _labels.Dispose();
        }
    }
}

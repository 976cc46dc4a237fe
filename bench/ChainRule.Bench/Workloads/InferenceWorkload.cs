using System.Diagnostics;
using ChainRule.Bench.Commands;
using ChainRule.Bench.Harness;
using ChainRule.IO;
using ChainRule.NN;
using Microsoft.ML.OnnxRuntime;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// Inference of the MLP 784-256-10 and the issue-10 CNN (random weights, BatchNorm in evaluation form): ChainRule's
/// Module.Predict against ONNX Runtime running the same model exported by Onnx.Export. ONNX Runtime's settings, pinned:
/// intra-op threads equal to ChainRule's, inter-op 1, sequential execution, every graph optimization, input and output
/// buffers allocated once (OrtValues over pinned arrays). Single-example latency as p50 and p99 over the calls of a
/// sample, and batch-256 throughput. The two outputs are compared once before timing.
/// </summary>
public static class InferenceWorkload
{
    private static readonly (string Name, Func<Sequential> Create)[] Models =
    [
        ("MLP 784-256-10", () => Mlp.Create(new MlpConfig { Hidden = [256] }, new Generator(1))),
        ("CNN " + ChainRule.NN.Architecture.DefaultCnn(10), () => ChainRule.NN.Architecture.Build(ChainRule.NN.Architecture.DefaultCnn(10), [1, 28, 28], new Generator(1))),
    ];

    public static IEnumerable<ResultRow> Measure(CompareSettings settings)
    {
        int threads = Environment.ProcessorCount;
        string directory = Path.Combine(Path.GetTempPath(), $"chainrule-bench-onnx-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        try
        {
            foreach (var (name, create) in Models)
            {
                Sequential model = create();
                model.Eval();
                string path = Path.Combine(directory, "model.onnx");
                Onnx.Export(model, [784], path);
                using var options = new SessionOptions
                {
                    IntraOpNumThreads = threads,
                    InterOpNumThreads = 1,
                    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                };
                using var session = new InferenceSession(path, options);
                string input = session.InputMetadata.Keys.Single(), output = session.OutputMetadata.Keys.Single();

                foreach (int batch in new[] { 1, 256 })
                {
                    float[] x = new SplitMix64(7).NextUniformArray(batch * 784, 0, 1);
                    var cx = ChainRule.Tensor.FromArray(x, [batch, 784]);
                    float[] y = new float[batch * 10];
                    using var ox = OrtValue.CreateTensorValueFromMemory(x, [batch, 784]);
                    using var oy = OrtValue.CreateTensorValueFromMemory(y, [batch, 10]);
                    using var run = new RunOptions();
                    void Ort() => session.Run(run, [input], [ox], [output], [oy]);
                    void Ours() => model.Predict(cx);

                    ChainRule.Parallelism.MaxDegree = threads;
                    Ort();
                    double difference = model.Predict(cx).ToArray().Zip(y, (a, b) => Math.Abs(a - b)).Max();
                    if (difference > 1e-3)
                    {
                        throw new InvalidOperationException($"{name}: ChainRule and ONNX Runtime differ by {difference:G3} at batch {batch}");
                    }
                    Timing.Repeat(Ours, settings.WarmUpSeconds);
                    Timing.Repeat(Ort, settings.WarmUpSeconds);
                    string section = $"Inference float32, {PeakWorkload.Threads(threads)}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}";
                    string note = $"outputs agree to {difference:G2}";
                    if (batch == 1)
                    {
                        var p50 = new Dictionary<string, List<double>>();
                        var p99 = new Dictionary<string, List<double>>();
                        Func<double> Latencies(string contestant, Action call) => () =>
                        {
                            ChainRule.Parallelism.MaxDegree = threads;
                            var micros = new List<double>();
                            var total = Stopwatch.StartNew();
                            while (total.Elapsed.TotalSeconds < settings.SampleSeconds || micros.Count < 100)
                            {
                                long start = Stopwatch.GetTimestamp();
                                call();
                                micros.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                            }
                            micros.Sort();
                            (CollectionsGet(p50, contestant)).Add(micros[micros.Count / 2]);
                            (CollectionsGet(p99, contestant)).Add(micros[(int)(micros.Count * 0.99)]);
                            return micros[micros.Count / 2];
                        };
                        var samples = Interleaved.Run([("ChainRule", Latencies("ChainRule", Ours)), ("ONNX Runtime", Latencies("ONNX Runtime", Ort))],
                            settings.Repetitions, settings.WaitIdleSeconds);
                        yield return new ResultRow(section, $"{name}, one example, p50 latency", "us", "F1", Better.Lower, samples, note);
                        yield return new ResultRow(section, $"{name}, one example, p99 latency", "us", "F1", Better.Lower,
                            p99.ToDictionary(kv => kv.Key, kv => new Samples(kv.Value)), note);
                    }
                    else
                    {
                        var samples = Interleaved.Run(
                            [
                                ("ChainRule", () => { ChainRule.Parallelism.MaxDegree = threads; var (runs, seconds) = Timing.Repeat(Ours, settings.SampleSeconds); return batch * runs / seconds; }),
                                ("ONNX Runtime", () => { var (runs, seconds) = Timing.Repeat(Ort, settings.SampleSeconds); return batch * runs / seconds; }),
                            ],
                            settings.Repetitions, settings.WaitIdleSeconds);
                        yield return new ResultRow(section, $"{name}, batch {batch}, throughput", "examples/s", "N0", Better.Higher, samples, note);
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<double> CollectionsGet(Dictionary<string, List<double>> lists, string key) =>
        lists.TryGetValue(key, out List<double>? list) ? list : lists[key] = [];
}

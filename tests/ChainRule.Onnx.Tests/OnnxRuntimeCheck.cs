using ChainRule.Data;
using ChainRule.NN;
using Microsoft.ML.OnnxRuntime;

namespace ChainRule.OnnxExportTests;

/// <summary>
/// Runs one exported model in ONNX Runtime and the same model in ChainRule on the built-in digits test set (2,000
/// examples), and measures how far apart they are.
/// </summary>
internal static class OnnxRuntimeCheck
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_digits = new(Mnist.Digits);

    public static Dataset Train => s_digits.Value.Train;

    public static Dataset Test => s_digits.Value.Test;

    /// <summary>The largest |ChainRule - ONNX Runtime| over every output value, and the fraction of examples whose arg-max agree.</summary>
    public readonly record struct Agreement(double MaxDifference, double ArgMaxAgreement, int Examples)
    {
        public override string ToString() => $"max |difference| {MaxDifference:E2}, arg-max agreement {ArgMaxAgreement:P2} of {Examples:N0} examples";
    }

    /// <param name="expected">ChainRule's output for a batch of examples (batch, features), as the ONNX graph should compute it.</param>
    /// <param name="batch">ONNX Runtime's batch size, different from ChainRule's so the symbolic batch axis is exercised (the last batch is partial).</param>
    public static Agreement Compare(string onnxPath, Func<Tensor, Tensor> expected, int batch = 300)
    {
        Dataset test = Test;
        int features = test.Features.Shape[1];
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(onnxPath, options);
        using var run = new RunOptions();
        string input = session.InputNames[0], output = session.OutputNames[0];
        double maxDifference = 0;
        int agreeing = 0;
        for (int start = 0; start < test.Count; start += batch)
        {
            int n = Math.Min(batch, test.Count - start);
            Tensor x = test.Subset(start, n).Features;
            float[] chainRule = expected(x).ToArray();
            using OrtValue value = OrtValue.CreateTensorValueFromMemory(x.ToArray(), [n, features]);
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(run, [input], [value], [output]);
            ReadOnlySpan<float> ort = results[0].GetTensorDataAsSpan<float>();
            Assert.Equal(chainRule.Length, ort.Length);
            int classes = chainRule.Length / n;
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> a = chainRule.AsSpan(i * classes, classes), b = ort.Slice(i * classes, classes);
                for (int j = 0; j < classes; j++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(a[j] - b[j]));
                }
                agreeing += ArgMax(a) == ArgMax(b) ? 1 : 0;
            }
        }
        return new Agreement(maxDifference, (double)agreeing / test.Count, test.Count);
    }

    /// <summary>The model's own output in evaluation mode, without a graph: what ONNX Runtime should reproduce.</summary>
    public static Func<Tensor, Tensor> Inference(Module model)
    {
        model.Eval();
        return x =>
        {
            using (Autograd.NoGrad())
            {
                return model.Forward(new Variable(x)).Data;
            }
        };
    }

    /// <summary>A few Adam steps on the training digits, so the weights (and BatchNorm's running statistics) are not those of the initialization.</summary>
    public static void TrainBriefly(Module model, int steps, int batch = 64)
    {
        Dataset train = Train;
        var optimizer = new Optim.Adam(model.Parameters(), 2e-3);
        model.Train();
        for (int step = 0; step < steps; step++)
        {
            Dataset part = train.Subset(step * batch % (train.Count - batch), batch);
            model.ZeroGrad();
            Losses.SoftmaxCrossEntropy(model.Forward(new Variable(part.Features)), part.Labels).Backward();
            optimizer.Step();
        }
        model.Eval();
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}

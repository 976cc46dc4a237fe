using System.Globalization;
using ChainRule.IO;
using ChainRule.IO.OnnxProto;
using Xunit.Abstractions;

namespace ChainRule.OnnxExportTests;

/// <summary>
/// Onnx.Load checked against ONNX's own node conformance tests (ONNX 1.12, as Debian's libonnx-testdata ships them,
/// vendored in tests/fixtures/onnx-node by its copy_from_debian.py): every test whose graph is made of imported ops
/// runs, and either passes (rtol 1e-3, atol 1e-7, the type and shape exact) or is refused with a NotSupportedException,
/// one line. A wrong result, or any other exception, is a failure. Issue 12's target: no failures, and every 2-d
/// float32 test of the ops in <see cref="MustPass"/> passes.
/// </summary>
public sealed class OnnxConformanceTests(ITestOutputHelper output)
{
    private const double RelativeTolerance = 1e-3, AbsoluteTolerance = 1e-7;

    private static readonly string[] MustPass =
        ["Conv", "MaxPool", "AveragePool", "BatchNormalization", "Gemm", "MatMul", "Softmax", "LogSoftmax", "Relu", "LayerNormalization"];

    private static string Fixtures => Path.Combine(AppContext.BaseDirectory, "fixtures", "onnx-node");

    private enum Outcome { Passed, Refused, Failed }

    [Fact]
    public void Every_node_test_of_an_imported_op_passes_or_is_refused_never_wrong()
    {
        string[] tests = [.. Directory.GetDirectories(Fixtures, "test_*").Order(StringComparer.Ordinal)];
        Assert.True(tests.Length >= 200, $"{tests.Length} node tests in {Fixtures}");
        var results = new List<(string Op, string Test, Outcome Outcome, string Note, bool Required)>();
        foreach (string directory in tests)
        {
            string test = Path.GetFileName(directory);
            ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(directory, "model.onnx")));
            string[] ops = [.. model.Graph.Node.Select(n => n.OpType).Distinct()];
            string op = ops.Length == 1 ? ops[0] : "(several) " + string.Join("+", ops.Order(StringComparer.Ordinal));
            bool required = ops.Length == 1 && MustPass.Contains(op) && IsTwoDimensionalFloat32(test, model);
            (Outcome outcome, string note) = Run(directory);
            results.Add((op, test, outcome, note, required));
        }

        output.WriteLine($"{"op",-32} {"passed",6} {"refused",7} {"failed",6}");
        foreach (IGrouping<string, (string Op, string Test, Outcome Outcome, string Note, bool Required)> group in results.GroupBy(r => r.Op).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{group.Key,-32} {group.Count(r => r.Outcome == Outcome.Passed),6} {group.Count(r => r.Outcome == Outcome.Refused),7} {group.Count(r => r.Outcome == Outcome.Failed),6}"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"all",-32} {results.Count(r => r.Outcome == Outcome.Passed),6} {results.Count(r => r.Outcome == Outcome.Refused),7} {results.Count(r => r.Outcome == Outcome.Failed),6}"));
        output.WriteLine("");
        foreach (var r in results.Where(r => r.Outcome != Outcome.Passed))
        {
            output.WriteLine($"{r.Outcome.ToString().ToLowerInvariant()} {r.Test}: {r.Note}");
        }

        string[] failed = [.. results.Where(r => r.Outcome == Outcome.Failed).Select(r => $"{r.Test}: {r.Note}")];
        Assert.True(failed.Length == 0, $"{failed.Length} wrong or crashing:\n{string.Join("\n", failed)}");
        string[] requiredNotPassing = [.. results.Where(r => r.Required && r.Outcome != Outcome.Passed).Select(r => $"{r.Test}: {r.Note}")];
        Assert.True(requiredNotPassing.Length == 0, $"2-d float32 tests that must pass:\n{string.Join("\n", requiredNotPassing)}");
        foreach (string op in MustPass)
        {
            Assert.Contains(results, r => r.Op == op && r.Required);
        }
        Assert.All(results.Where(r => r.Outcome == Outcome.Refused), r => Assert.DoesNotContain('\n', r.Note));
    }

    // The test's graph inputs are all float32, and it is not a 1-d or 3-d variant (or BatchNormalization's training mode).
    private static bool IsTwoDimensionalFloat32(string test, ModelProto model) =>
        !test.Contains("_1d", StringComparison.Ordinal) && !test.Contains("_3d", StringComparison.Ordinal) && !test.Contains("training_mode", StringComparison.Ordinal)
        && model.Graph.Input.All(v => v.Type?.TensorType?.ElemType == (int)TensorProto.Types.DataType.Float);

    private static (Outcome, string) Run(string directory)
    {
        try
        {
            OnnxModule module = Onnx.Load(Path.Combine(directory, "model.onnx"));
            string data = Path.Combine(directory, "test_data_set_0");
            var inputs = new Dictionary<string, Tensor>();
            // input_i.pb is graph input i (initializers, none in these tests, come after the inputs).
            for (int i = 0; i < module.Inputs.Count; i++)
            {
                inputs[module.Inputs[i].Name] = Onnx.LoadTensor(Path.Combine(data, $"input_{i}.pb"));
            }
            IReadOnlyDictionary<string, Tensor> outputs = module.Run(inputs);
            for (int i = 0; i < module.Outputs.Count; i++)
            {
                Tensor expected = Onnx.LoadTensor(Path.Combine(data, $"output_{i}.pb"));
                if (Difference(outputs[module.Outputs[i].Name], expected) is string wrong)
                {
                    return (Outcome.Failed, $"output {i} '{module.Outputs[i].Name}': {wrong}");
                }
            }
            return (Outcome.Passed, "");
        }
        catch (NotSupportedException e)
        {
            return (Outcome.Refused, e.Message);
        }
        catch (Exception e)
        {
            return (Outcome.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static string? Difference(Tensor actual, Tensor expected)
    {
        if (actual.DType != expected.DType || actual.Shape != expected.Shape)
        {
            return $"got {actual.DType.Name()} {actual.Shape}, expected {expected.DType.Name()} {expected.Shape}";
        }
        double[] a = actual.To(DType.Float64).ToDoubleArray(), e = expected.To(DType.Float64).ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
        {
            bool close = (double.IsNaN(a[i]) && double.IsNaN(e[i])) || a[i] == e[i] || Math.Abs(a[i] - e[i]) <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(e[i]));
            if (!close)
            {
                return string.Create(CultureInfo.InvariantCulture, $"element {i} is {a[i]:R}, expected {e[i]:R}");
            }
        }
        return null;
    }
}

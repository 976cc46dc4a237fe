using System.Globalization;
using ChainRule.IO;
using ChainRule.IO.OnnxProto;
using ChainRule.NN;
using Google.Protobuf;
using Xunit.Abstractions;

namespace ChainRule.OnnxExportTests;

/// <summary>
/// Onnx.Load on models PyTorch exported (tests/fixtures/torch/export_onnx.py), on ChainRule's own exports (the same
/// logits back), and on bad input: each refused in one line that names what was wrong.
/// </summary>
public sealed class OnnxImportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chainrule-onnx-import-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Torch(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "torch", name);

    private string Path(string name) => System.IO.Path.Combine(_directory, name);

    [Theory]
    [InlineData("mlp", new[] { "Gemm", "Relu" })]
    [InlineData("cnn", new[] { "AveragePool", "Concat", "Constant", "Conv", "Gather", "Gemm", "LogSoftmax", "MaxPool", "Pad", "Relu", "Reshape", "Shape", "Sigmoid", "Tanh", "Unsqueeze" })]
    public void A_model_PyTorch_exported_gives_PyTorchs_output(string name, string[] operators)
    {
        OnnxModule model = Onnx.Load(Torch($"{name}.onnx"));
        Tensor x = Onnx.LoadTensor(Torch($"{name}.input.pb")), expected = Onnx.LoadTensor(Torch($"{name}.output.pb"));

        Tensor y = model.Forward(new Variable(x)).Data;

        Assert.Equal(operators, model.Operators.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(expected.Shape, y.Shape);
        double difference = MaxDifference(y, expected);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {model}, max |ChainRule - PyTorch| {difference:E2}"));
        Assert.True(difference <= 1e-5, $"{name}: {difference}");
        Assert.Null(model.Inputs[0].Shape[0]); // the dynamic batch axis
    }

    [Fact]
    public void Export_then_import_gives_the_same_logits_for_every_exportable_layer()
    {
        var g = new Generator(3);
        Tensor x = OnnxRuntimeCheck.Test.Subset(0, 64).Features;
        (string Name, Sequential Model, OnnxOutput Output)[] models =
        [
            ("mlp", Mlp.Create(new MlpConfig { Hidden = [64, 32], Activation = "relu", Dropout = 0.2 }, new Generator(1)), OnnxOutput.Logits),
            ("bn cnn", Architecture.Build("conv8k3-bn-relu-pool2-conv16k3-bn-relu-pool2-fc32-relu-dropout0.3-fc10", [1, 28, 28], new Generator(2), 10), OnnxOutput.Logits),
            ("every layer on maps", EveryLayer.Maps(g), OnnxOutput.Softmax),
            ("every layer on sequences", EveryLayer.Sequences(g), OnnxOutput.LogSoftmax),
            ("softmax mlp", EveryLayer.SoftmaxMlp(g), OnnxOutput.Logits),
        ];
        foreach ((string name, Sequential model, OnnxOutput kind) in models)
        {
            OnnxExportResult written = Onnx.Export(model, [784], Path($"{name}.onnx"), new OnnxExportOptions { Output = kind });
            Tensor logits = OnnxRuntimeCheck.Inference(model)(x);
            Tensor expected = kind switch
            {
                OnnxOutput.Softmax => Tensor.Softmax(logits, -1),
                OnnxOutput.LogSoftmax => Tensor.LogSoftmax(logits, -1),
                _ => logits,
            };

            OnnxModule imported = Onnx.Load(written.Path);
            Tensor y = imported.Run(new Dictionary<string, Tensor> { [written.InputName] = x })[written.OutputName];

            double difference = MaxDifference(y, expected);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {string.Join(" ", imported.Operators.Distinct())}: max |import - model| {difference:E2}"));
            Assert.True(difference <= 1e-5, $"{name}: {difference}");
        }
    }

    [Fact]
    public void A_truncated_or_non_ONNX_file_is_refused_in_one_line_naming_the_file()
    {
        string good = Onnx.Export(Mlp.Create(new MlpConfig { Hidden = [8] }, new Generator(1)), [784], Path("good.onnx")).Path;
        byte[] bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(Path("truncated.onnx"), bytes[..(bytes.Length / 2)]);
        File.WriteAllText(Path("text.onnx"), "this is not a model\n");
        File.WriteAllBytes(Path("empty.onnx"), []);

        foreach (string name in new[] { "truncated.onnx", "text.onnx", "empty.onnx" })
        {
            var e = Assert.Throws<InvalidDataException>(() => Onnx.Load(Path(name)));
            AssertOneLine(e.Message, name);
        }
    }

    [Fact]
    public void An_unsupported_op_attribute_or_opset_is_refused_naming_the_node_the_op_and_the_opset()
    {
        ModelProto model = Exported();
        model.Graph.Node[1].OpType = "Elu";
        AssertOneLine(Assert.Throws<NotSupportedException>(() => Load(model)).Message, "Elu", "opset 17", "node 1");

        model = Exported();
        model.Graph.Node[0].Attribute.Add(OnnxGraphBuilder.Int("frobnicate", 1));
        AssertOneLine(Assert.Throws<NotSupportedException>(() => Load(model)).Message, "'frobnicate'", "Gemm", "opset 17");

        model = Exported();
        model.OpsetImport[0].Version = 18;
        AssertOneLine(Assert.Throws<NotSupportedException>(() => Load(model)).Message, "opset 18");
    }

    [Fact]
    public void A_tensor_whose_data_does_not_match_its_shape_or_a_dangling_name_is_refused()
    {
        ModelProto model = Exported();
        model.Graph.Initializer[0].Dims[0] = 1_000_000_000_000; // 8 x 784 floats are there
        AssertOneLine(Assert.Throws<InvalidDataException>(() => Load(model)).Message, model.Graph.Initializer[0].Name);

        model = Exported();
        model.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[12]);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => Load(model)).Message, "raw_data holds 12 bytes");

        model = Exported();
        model.Graph.Node[1].Input[0] = "nowhere";
        AssertOneLine(Assert.Throws<InvalidDataException>(() => Load(model)).Message, "'nowhere'");
    }

    [Fact]
    public void An_input_of_the_wrong_shape_is_refused_naming_the_input_and_both_shapes()
    {
        OnnxModule cnn = Onnx.Load(Torch("cnn.onnx"));

        var e = Assert.Throws<ArgumentException>(() => cnn.Forward(new Variable(Tensor.Zeros([2, 1, 27, 28]))));

        AssertOneLine(e.Message, "'input'", "(?, 1, 28, 28)", "(2, 1, 27, 28)");
        Assert.Equal(new Shape(2, 10), cnn.Forward(new Variable(Tensor.Zeros([2, 1, 28, 28]))).Shape);
    }

    // ONNX 1.12's node tests are opset 11 to 17; the forms older opsets give some ops are checked here by hand.
    [Theory]
    [InlineData(11, "Softmax")]
    [InlineData(13, "Softmax")]
    [InlineData(11, "Unsqueeze")]
    [InlineData(13, "Unsqueeze")]
    [InlineData(11, "ReduceSum")]
    [InlineData(13, "ReduceSum")]
    public void Older_opsets_forms_of_an_op_are_read_as_their_opset_defines_them(int opset, string op)
    {
        Tensor x = Tensor.Arange(24).Reshape(2, 3, 4) / 10.0;
        var node = new NodeProto { OpType = op };
        node.Input.Add("x");
        node.Output.Add("y");
        var graph = new GraphProto { Name = "legacy" };
        Tensor expected;
        switch (op)
        {
            case "Softmax": // before 13: flattened to (2, 12) at axis 1, each row normalized; since: along axis 1 alone
                node.Attribute.Add(OnnxGraphBuilder.Int("axis", 1));
                expected = opset < 13 ? Tensor.Softmax(x.Reshape(2, 12), 1).Reshape(2, 3, 4) : Tensor.Softmax(x, 1);
                break;
            case "Unsqueeze": // axes an attribute before 13, an input since
                expected = x.Reshape(2, 1, 3, 4, 1);
                AxesOf(opset, node, graph, [1, -1]);
                break;
            default:
                expected = x.Sum([0, 2], keepDims: true);
                AxesOf(opset, node, graph, [0, 2]);
                break;
        }
        graph.Node.Add(node);
        graph.Input.Add(new OnnxGraphBuilder().Value("x", "batch", [3, 4]));
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto() } } });
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = opset });

        Tensor y = Load(model).Run(new Dictionary<string, Tensor> { ["x"] = x })["y"];

        Assert.Equal(expected.Shape, y.Shape);
        Assert.True(MaxDifference(y, expected) < 1e-6, $"{op} opset {opset}");
    }

    // Nodes in any order are sorted (Kahn's algorithm), and a chain far deeper than any stack runs: nothing recurses.
    [Fact]
    public void A_chain_of_100000_nodes_listed_backwards_loads_and_runs()
    {
        const int depth = 100_000;
        var graph = new GraphProto { Name = "deep" };
        for (int i = depth - 1; i >= 0; i--)
        {
            var node = new NodeProto { OpType = i % 2 == 0 ? "Relu" : "Identity" };
            node.Input.Add(i == 0 ? "x" : $"v{i - 1}");
            node.Output.Add(i == depth - 1 ? "y" : $"v{i}");
            graph.Node.Add(node);
        }
        graph.Input.Add(new OnnxGraphBuilder().Value("x", "batch", [3]));
        graph.Output.Add(new OnnxGraphBuilder().Value("y", "batch", [3]));
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });

        OnnxModule deep = Load(model);
        Tensor y = deep.Forward(new Variable(Tensor.FromArray(new float[] { -1, 0, 2 }).Reshape(1, 3))).Data;

        Assert.Equal(depth, deep.Operators.Count);
        Assert.Equal(new float[] { 0, 0, 2 }, y.ToArray());
    }

    private static void AxesOf(int opset, NodeProto node, GraphProto graph, long[] axes)
    {
        if (opset < 13)
        {
            node.Attribute.Add(OnnxGraphBuilder.Ints("axes", axes));
            return;
        }
        var t = new TensorProto { Name = "axes", DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(axes.Length);
        t.Int64Data.AddRange(axes);
        graph.Initializer.Add(t);
        node.Input.Add("axes");
    }

    private ModelProto Exported() =>
        Onnx.Build(Mlp.Create(new MlpConfig { Hidden = [8] }, new Generator(1)), [784], new OnnxExportOptions()).Model;

    private OnnxModule Load(ModelProto model)
    {
        string path = Path($"{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return Onnx.Load(path);
    }

    private void AssertOneLine(string message, params string[] parts)
    {
        output.WriteLine(message);
        Assert.DoesNotContain('\n', message);
        foreach (string part in parts)
        {
            Assert.Contains(part, message, StringComparison.Ordinal);
        }
    }

    private static double MaxDifference(Tensor a, Tensor b) => Tensor.Abs(a.To(DType.Float64) - b.To(DType.Float64)).Max().Item();
}

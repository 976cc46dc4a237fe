using ChainRule.IO.OnnxProto;
using ChainRule.NN;
using Google.Protobuf;

namespace ChainRule.IO;

/// <summary>What the exported graph returns: the model's own output, or a softmax or log-softmax of it over the last axis.</summary>
public enum OnnxOutput
{
    Logits,
    Softmax,
    LogSoftmax,
}

public sealed record OnnxExportOptions
{
    public string InputName { get; init; } = "input";

    /// <summary>The output's name; by default "logits", "probabilities" or "log_probabilities" after <see cref="Output"/>.</summary>
    public string? OutputName { get; init; }

    public OnnxOutput Output { get; init; } = OnnxOutput.Logits;

    /// <summary>The model's doc_string: what it is and what it was trained on, for whoever opens the file.</summary>
    public string DocString { get; init; } = "";

    /// <summary>The symbolic name of the batch axis, the first axis of the input and the output.</summary>
    public string BatchName { get; init; } = "batch";
}

/// <summary>What <see cref="Onnx.Export"/> wrote; shapes are one example's, without the batch axis.</summary>
public sealed record OnnxExportResult(string Path, int Opset, int Nodes, IReadOnlyList<string> Operators, long Bytes,
    string InputName, int[] InputShape, string OutputName, int[] OutputShape);

/// <summary>
/// ONNX export and import. Export: a model (a Sequential, nested ones too, of the layers ChainRule has) as an ONNX graph in inference form,
/// with a symbolic batch axis, so ONNX Runtime and other tools can run it.
/// </summary>
/// <remarks>
/// Opset 17, the first with LayerNormalization; everything else emitted exists since opset 13 or earlier. Gelu is
/// written as its erf formula (ONNX's Gelu op came in opset 20). Weights are float32 initializers named as in the
/// checkpoint ("1.weight"), nodes after their layer ("1/Conv"). The shapes are followed by running the model once, in
/// evaluation mode and without a graph, on one example of zeros, so an input shape that does not fit is refused naming
/// the layer it does not fit. Import (<see cref="Load(string)"/>) runs a graph of ONNX's ops, exported by ChainRule or by
/// another framework, with ChainRule's ops, for inference.
/// </remarks>
public static class Onnx
{
    public const int Opset = 17;

    // The IR version that goes with opset 17 (ONNX 1.12).
    private const long IrVersion = 8;

    /// <summary>The layer kinds that can be exported (and Sequential, which holds them).</summary>
    public static IReadOnlyList<Type> ExportableLayers => OnnxLayers.Exportable;

    /// <summary>Writes <paramref name="module"/> to <paramref name="path"/> (atomically) as an ONNX model.</summary>
    /// <param name="inputShape">One example's shape, without the batch axis: (784) for flat digits, (1, 28, 28) for images.</param>
    /// <exception cref="ArgumentException">The input shape does not fit the model, or the names clash.</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX form; the message names it.</exception>
    public static OnnxExportResult Export(Module module, int[] inputShape, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        (ModelProto model, int[] outputShape) = Build(module, inputShape, options ?? new OnnxExportOptions());
        byte[] bytes = model.ToByteArray();
        AtomicFile.WriteAllBytes(path, bytes);
        GraphProto graph = model.Graph;
        string[] operators = graph.Node.Select(n => n.OpType).Distinct().ToArray();
        return new OnnxExportResult(path, Opset, graph.Node.Count, operators, bytes.Length, graph.Input[0].Name, [.. inputShape], graph.Output[0].Name, outputShape);
    }

    internal static (ModelProto Model, int[] OutputShape) Build(Module module, int[] inputShape, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(options);
        if (inputShape.Length == 0 || inputShape.Any(d => d < 1))
        {
            throw new ArgumentException($"ONNX export: the input shape ({string.Join(", ", inputShape)}) must list one example's axes, each at least 1 (the batch axis is added).");
        }
        string outputName = options.OutputName ?? options.Output switch
        {
            OnnxOutput.Softmax => "probabilities",
            OnnxOutput.LogSoftmax => "log_probabilities",
            _ => "logits",
        };
        if (string.IsNullOrEmpty(options.InputName) || string.IsNullOrEmpty(outputName) || options.InputName == outputName)
        {
            throw new ArgumentException($"ONNX export: the input and output need two different, non-empty names (got '{options.InputName}' and '{outputName}').");
        }

        var g = new OnnxGraphBuilder();
        g.Graph.Name = "chainrule";
        g.Graph.DocString = module.ToString();
        g.Graph.Input.Add(g.Value(options.InputName, options.BatchName, inputShape));
        g.Reserve(outputName);
        Shape output;
        string value;
        bool wasTraining = module.Training;
        module.Eval();
        try
        {
            using (Autograd.NoGrad())
            {
                var sample = new Variable(Tensor.Zeros(new Shape([1, .. inputShape])));
                (sample, value) = Walk(module, "", sample, options.InputName, g);
                output = sample.Shape;
            }
        }
        finally
        {
            module.Train(wasTraining);
        }
        if (options.Output != OnnxOutput.Logits)
        {
            value = g.Node(options.Output == OnnxOutput.Softmax ? "Softmax" : "LogSoftmax", "output", [value], OnnxGraphBuilder.Int("axis", -1));
        }
        // The last node's output becomes the graph's output; a model of identities alone gets an Identity node.
        if (value == options.InputName)
        {
            value = g.Node("Identity", "output", [value]);
        }
        if (g.Graph.Node[^1].Output[0] != value)
        {
            throw new InvalidOperationException($"ONNX export: the graph's last node does not produce its result '{value}'.");
        }
        g.Graph.Node[^1].Output[0] = outputName;
        int[] outputShape = output.Dims[1..].ToArray();
        g.Graph.Output.Add(g.Value(outputName, options.BatchName, outputShape));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ChainRule",
            ProducerVersion = ProducerVersion(),
            DocString = options.DocString,
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return (model, outputShape);
    }

    /// <summary>The newest opset <see cref="Load(string)"/> imports (the ONNX 1.12 operator set).</summary>
    public const int MaxImportOpset = 17;

    /// <summary>The op types <see cref="Load(string)"/> imports.</summary>
    public static IReadOnlyList<string> ImportableOperators => [.. OnnxOps.All.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Reads an ONNX model for inference: a graph of the ops in <see cref="ImportableOperators"/>, opset 1 to 17, whose
    /// values are float32, float64, int32, int64, bool or uint8 tensors. Every attribute is read at load, with the
    /// spec's defaults; one ChainRule does not understand is refused then, by name.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid ONNX model: truncated, not protobuf, a tensor whose data does not match its shape, a node reading a value nothing makes. The message names the file, and the node if there is one.</exception>
    /// <exception cref="NotSupportedException">The model is valid but uses an op, attribute, attribute value, element type, opset or external data ChainRule does not import; the message names the node, the op and the opset.</exception>
    public static OnnxModule Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Length; // FileNotFoundException as .NET words it
        if (length > OnnxTensors.MaxFileBytes)
        {
            throw new InvalidDataException($"{path}: {length} bytes, more than the {OnnxTensors.MaxFileBytes} an ONNX model read into memory may have.");
        }
        return Load(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads an ONNX model from its bytes; <paramref name="name"/> names it in messages. See <see cref="Load(string)"/>.</summary>
    public static OnnxModule Load(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model = OnnxTensors.Parse(ModelProto.Parser, bytes, name);
        if (model.IrVersion < 1 || model.Graph is null)
        {
            throw new InvalidDataException($"{name}: not an ONNX model (no IR version or no graph).");
        }
        return new OnnxModule(model, name);
    }

    /// <summary>Reads one serialized ONNX TensorProto (the .pb files of ONNX's test data).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a tensor, or its data does not match its shape.</exception>
    /// <exception cref="NotSupportedException">Its element type is not one ChainRule has.</exception>
    public static Tensor LoadTensor(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Length;
        if (length > OnnxTensors.MaxFileBytes)
        {
            throw new InvalidDataException($"{path}: {length} bytes, more than {OnnxTensors.MaxFileBytes}.");
        }
        return OnnxTensors.ToTensor(OnnxTensors.Parse(TensorProto.Parser, File.ReadAllBytes(path), path), path);
    }

    private static string ProducerVersion() =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(Onnx).Assembly)?.InformationalVersion ?? "";

    // Sequentials are walked (children named "0", "1", ..., nested ones "2.0"); every other layer is run once on the
    // sample, for its output shape, and emitted.
    private static (Variable Sample, string Value) Walk(Module module, string scope, Variable sample, string value, OnnxGraphBuilder g)
    {
        if (module is Sequential sequential)
        {
            foreach ((string name, Module child) in sequential.Children())
            {
                (sample, value) = Walk(child, scope.Length == 0 ? name : $"{scope}.{name}", sample, value, g);
            }
            return (sample, value);
        }
        string where = scope.Length == 0 ? "model" : scope;
        if (!OnnxLayers.Exportable.Contains(module.GetType()))
        {
            throw OnnxLayers.Unsupported(module, where);
        }
        Variable next;
        try
        {
            next = module.Forward(sample);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"ONNX export: layer {where} {module} does not take its input (batch, {string.Join(", ", sample.Shape.Dims[1..].ToArray())}): {e.Message}", e);
        }
        return (next, OnnxLayers.Emit(module, where, value, sample.Shape, g));
    }
}

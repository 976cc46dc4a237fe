using ChainRule.IO.OnnxProto;
using ChainRule.NN;

namespace ChainRule.IO;

/// <summary>One of an imported graph's inputs or outputs: its name, element type and shape (null for a symbolic axis such as the batch).</summary>
public sealed record OnnxValue(string Name, DType DType, int?[] Shape)
{
    public override string ToString() => $"'{Name}' {DType.Name()} ({string.Join(", ", Shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"))})";
}

/// <summary>
/// An ONNX graph imported for inference (<see cref="Onnx.Load(string)"/>): its nodes compiled to ChainRule's ops and run in
/// topological order, one after another (no recursion), with the initializers and Constant nodes as tensors. Running
/// records no autograd graph: the imported weights are not parameters, and <see cref="Module.Train"/> changes nothing.
/// </summary>
public sealed class OnnxModule : Module
{
    private readonly (OnnxNode Node, OnnxKernel Kernel)[] _steps;
    private readonly Dictionary<string, Tensor> _initializers;
    private readonly string _name; // the file, in messages

    internal OnnxModule(ModelProto model, string what)
    {
        _name = what;
        GraphProto graph = model.Graph ?? throw new InvalidDataException($"{what}: the model has no graph.");
        Opset = OpsetOf(model, what);
        _initializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (TensorProto t in graph.Initializer)
        {
            if (t.Name.Length == 0 || !_initializers.TryAdd(t.Name, OnnxTensors.ToTensor(t, $"{what}: initializer '{t.Name}'")))
            {
                throw new InvalidDataException($"{what}: initializer '{t.Name}' is unnamed or named twice.");
            }
        }
        if (graph.SparseInitializer.Count > 0)
        {
            throw new NotSupportedException($"{what}: sparse initializers are not supported.");
        }
        Inputs = [.. graph.Input.Where(v => !_initializers.ContainsKey(v.Name)).Select(v => ValueOf(v, what, "input"))];
        Outputs = [.. graph.Output.Select(v => ValueOf(v, what, "output"))];
        foreach (IGrouping<string, OnnxValue> twice in Inputs.Concat(Outputs).GroupBy(v => v.Name).Where(g => g.Count() > 1))
        {
            throw new InvalidDataException($"{what}: '{twice.Key}' names more than one graph input or output.");
        }
        if (Outputs.Count == 0)
        {
            throw new InvalidDataException($"{what}: the graph has no outputs.");
        }
        _steps = Compile(graph, what);
    }

    /// <summary>The version of the default ONNX domain the model imports (1 to <see cref="Onnx.MaxImportOpset"/>).</summary>
    public int Opset { get; }

    /// <summary>The graph's inputs that are not initializers: what <see cref="Run"/> needs.</summary>
    public IReadOnlyList<OnnxValue> Inputs { get; }

    public IReadOnlyList<OnnxValue> Outputs { get; }

    /// <summary>The op types of the nodes, in the order they run.</summary>
    public IReadOnlyList<string> Operators => [.. _steps.Select(s => s.Node.OpType)];

    /// <summary>Runs a graph of one input and (at least) one output: the first output.</summary>
    /// <exception cref="ArgumentException">The input's type or shape does not fit the graph, or a node refuses it.</exception>
    public override Variable Forward(Variable x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (Inputs.Count != 1)
        {
            throw new ArgumentException($"{_name}: Forward takes one input, and the graph has {Inputs.Count} ({string.Join(", ", Inputs)}); use Run.");
        }
        return new Variable(Run(new Dictionary<string, Tensor> { [Inputs[0].Name] = x.Data })[Outputs[0].Name]);
    }

    /// <summary>Runs the graph on the named inputs; returns every graph output by name (new tensors, never the model's own).</summary>
    /// <exception cref="ArgumentException">An input is missing, unknown, or of the wrong type or shape; or a node refuses its inputs (the message names it).</exception>
    /// <exception cref="NotSupportedException">A node meets an input type or size ChainRule does not run (the message names it).</exception>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var values = new Dictionary<string, Tensor>(_initializers, StringComparer.Ordinal);
        foreach (string name in inputs.Keys.Where(n => !Inputs.Any(v => v.Name == n)))
        {
            throw new ArgumentException($"{_name}: there is no input '{name}'; the inputs are {string.Join(", ", Inputs)}.");
        }
        foreach (OnnxValue input in Inputs)
        {
            Tensor t = inputs.TryGetValue(input.Name, out Tensor? given) ? given : throw new ArgumentException($"{_name}: input {input} is missing.");
            bool fits = t.DType == input.DType && t.Rank == input.Shape.Length
                && input.Shape.Select((d, i) => d is null || d == t.Shape[i]).All(ok => ok);
            values[input.Name] = fits ? t : throw new ArgumentException($"{_name}: input {input} was given {t.DType.Name()} {t.Shape}.");
        }
        using (Autograd.NoGrad())
        {
            foreach ((OnnxNode node, OnnxKernel kernel) in _steps)
            {
                Tensor?[] x = [.. node.Proto.Input.Select(n => n.Length == 0 ? null : values[n])];
                Tensor[] y;
                try
                {
                    y = kernel(x);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"{node.Where} on {string.Join(", ", x.Select(t => t is null ? "none" : $"{t.DType.Name()} {t.Shape}"))}: {e.Message}", e);
                }
                for (int i = 0; i < node.Proto.Output.Count; i++)
                {
                    if (node.Proto.Output[i].Length > 0)
                    {
                        values[node.Proto.Output[i]] = y[i];
                    }
                }
            }
        }
        // Copies: an output may be an initializer or a view of one, which the caller must not be able to change.
        return Outputs.ToDictionary(v => v.Name, v => values[v.Name].Clone(), StringComparer.Ordinal);
    }

    public override string ToString() =>
        $"OnnxModule(opset {Opset}, {_steps.Length} nodes, inputs {string.Join(", ", Inputs)}, outputs {string.Join(", ", Outputs)})";

    private static int OpsetOf(ModelProto model, string what)
    {
        OperatorSetIdProto[] ai = [.. model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx")];
        if (ai.Length != 1)
        {
            throw new InvalidDataException($"{what}: the model imports the default ONNX opset {ai.Length} times; it must once.");
        }
        long version = ai[0].Version;
        return version is >= 1 and <= Onnx.MaxImportOpset ? (int)version
            : throw new NotSupportedException($"{what}: opset {version} is not supported; ChainRule imports opsets 1 to {Onnx.MaxImportOpset}.");
    }

    private static OnnxValue ValueOf(ValueInfoProto v, string what, string kind)
    {
        string where = $"{what}: graph {kind} '{v.Name}'";
        if (v.Name.Length == 0)
        {
            throw new InvalidDataException($"{what}: a graph {kind} has no name.");
        }
        if (v.Type?.TensorType is not { } tensor)
        {
            throw new NotSupportedException($"{where}: only tensors are supported, not {v.Type?.ValueCase.ToString() ?? "an untyped value"}.");
        }
        DType dtype = OnnxTensors.DTypeOf(tensor.ElemType, where);
        if (tensor.Shape is null)
        {
            throw new NotSupportedException($"{where}: has no shape (any rank); ChainRule needs the rank.");
        }
        if (tensor.Shape.Dim.Count > OnnxTensors.MaxRank)
        {
            throw new InvalidDataException($"{where}: {tensor.Shape.Dim.Count} axes, more than {OnnxTensors.MaxRank}.");
        }
        int?[] shape = [.. tensor.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
            ? d.DimValue is >= 0 and < int.MaxValue ? (int?)d.DimValue : throw new InvalidDataException($"{where}: dimension {d.DimValue}.")
            : null)];
        return new OnnxValue(v.Name, dtype, shape);
    }

    // Kahn's algorithm: a node runs once every value it reads exists; a name read but never made, or a cycle, is refused.
    private (OnnxNode, OnnxKernel)[] Compile(GraphProto graph, string what)
    {
        var made = new HashSet<string>(_initializers.Keys, StringComparer.Ordinal);
        made.UnionWith(Inputs.Select(v => v.Name));
        var waiting = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var missing = new int[graph.Node.Count];
        var ready = new Queue<int>();
        for (int i = 0; i < graph.Node.Count; i++)
        {
            foreach (string name in graph.Node[i].Input.Where(n => n.Length > 0 && !made.Contains(n)).Distinct())
            {
                missing[i]++;
                (waiting.TryGetValue(name, out List<int>? list) ? list : waiting[name] = []).Add(i);
            }
            if (missing[i] == 0)
            {
                ready.Enqueue(i);
            }
        }
        var steps = new List<(OnnxNode, OnnxKernel)>(graph.Node.Count);
        while (ready.TryDequeue(out int i))
        {
            NodeProto proto = graph.Node[i];
            OnnxNode node = new(proto, i, Opset, what);
            steps.Add((node, CompileNode(node)));
            foreach (string output in proto.Output.Where(n => n.Length > 0))
            {
                if (!made.Add(output))
                {
                    throw new InvalidDataException($"{node.Where}: output '{output}' is already the name of another value.");
                }
                foreach (int j in waiting.GetValueOrDefault(output) ?? [])
                {
                    if (--missing[j] == 0)
                    {
                        ready.Enqueue(j);
                    }
                }
            }
        }
        if (steps.Count < graph.Node.Count)
        {
            int stuck = Array.FindIndex(missing, m => m > 0);
            string absent = graph.Node[stuck].Input.First(n => n.Length > 0 && !made.Contains(n));
            throw new InvalidDataException($"{what}: node {stuck} '{graph.Node[stuck].Name}' ({graph.Node[stuck].OpType}) reads '{absent}', which no input, initializer or earlier node makes (or the graph has a cycle).");
        }
        foreach (OnnxValue output in Outputs.Where(v => !made.Contains(v.Name)))
        {
            throw new InvalidDataException($"{what}: graph output '{output.Name}' is made by no node.");
        }
        return [.. steps];
    }

    private static OnnxKernel CompileNode(OnnxNode node)
    {
        if (node.Proto.Domain is not ("" or "ai.onnx"))
        {
            throw new NotSupportedException($"{node.Where}: domain '{node.Proto.Domain}' is not supported; ChainRule imports the default ONNX domain.");
        }
        if (!OnnxOps.All.TryGetValue(node.OpType, out OnnxOp? op))
        {
            throw new NotSupportedException($"{node.Where}: op {node.OpType} is not supported; ChainRule imports {string.Join(", ", OnnxOps.All.Keys.Order(StringComparer.Ordinal))}.");
        }
        int inputs = node.InputCount;
        if (inputs < op.MinInputs || inputs > op.MaxInputs)
        {
            throw new InvalidDataException($"{node.Where}: has {inputs} inputs; {node.OpType} takes {op.MinInputs}{(op.MaxInputs > op.MinInputs ? $" to {op.MaxInputs}" : "")}.");
        }
        for (int i = 0; i < op.MinInputs; i++)
        {
            if (node.Proto.Input[i].Length == 0)
            {
                throw new InvalidDataException($"{node.Where}: required input {i} is empty.");
            }
        }
        int outputs = node.Proto.Output.Count;
        if (outputs == 0 || node.Proto.Output[0].Length == 0)
        {
            throw new InvalidDataException($"{node.Where}: has no output.");
        }
        for (int i = op.MaxOutputs; i < outputs; i++)
        {
            if (node.Proto.Output[i].Length > 0)
            {
                throw node.Unsupported($"output {i} '{node.Proto.Output[i]}'");
            }
        }
        OnnxKernel kernel = op.Compile(node);
        node.RefuseUnread();
        return kernel;
    }
}

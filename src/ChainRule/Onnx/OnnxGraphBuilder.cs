using System.Buffers.Binary;
using ChainRule.IO.OnnxProto;
using Google.Protobuf;

namespace ChainRule.IO;

/// <summary>
/// Accumulates an ONNX graph: nodes in topological order (the order they are added), initializers (the weights,
/// float32 little-endian raw_data) and unique names. Knows nothing about layers: <see cref="Onnx"/> decides what to add.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new();

    /// <summary>Adds a node; returns the name of its (first) output, "{scope}/{opType}_output" made unique.</summary>
    public string Node(string opType, string scope, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Unique($"{scope}/{opType}") };
        node.Input.AddRange(inputs);
        string output = Unique($"{node.Name}_output");
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>A float32 initializer with the tensor's shape and values (converted from other float dtypes).</summary>
    public string Initializer(string name, Tensor tensor)
    {
        float[] values = tensor.To(DType.Float32).ToArray();
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }
        return Add(name, TensorProto.Types.DataType.Float, tensor.Shape.ToArray(), bytes);
    }

    /// <summary>A 1-d int64 initializer, such as Reshape's target shape.</summary>
    public string Int64Initializer(string name, ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }
        return Add(name, TensorProto.Types.DataType.Int64, [values.Length], bytes);
    }

    /// <summary>A float32 scalar initializer, for the constants of formulas such as Gelu's.</summary>
    public string Scalar(string name, float value)
    {
        var bytes = new byte[sizeof(float)];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        return Add(name, TensorProto.Types.DataType.Float, [], bytes);
    }

    /// <summary>A float32 tensor value: the graph's input or output, with a symbolic batch axis first.</summary>
    public ValueInfoProto Value(string name, string batchName, ReadOnlySpan<int> exampleShape)
    {
        _names.Add(name);
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchName });
        foreach (int d in exampleShape)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    /// <summary>Keeps <paramref name="name"/> from being given to anything else (the graph output's name, set at the end).</summary>
    public void Reserve(string name) => _names.Add(name);

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private string Add(string name, TensorProto.Types.DataType type, int[] dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims.Select(d => (long)d));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private string Unique(string name)
    {
        string candidate = name;
        for (int i = 1; !_names.Add(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }
        return candidate;
    }
}

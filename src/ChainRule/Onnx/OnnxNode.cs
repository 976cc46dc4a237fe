using System.Text;
using ChainRule.IO.OnnxProto;
using AttributeType = ChainRule.IO.OnnxProto.AttributeProto.Types.AttributeType;

namespace ChainRule.IO;

/// <summary>
/// One node being imported: its attributes, read with the ONNX spec's defaults, and the rule that an attribute no op
/// asked for is refused, so nothing in the file is silently ignored. <see cref="Where"/> names the node in every message.
/// </summary>
internal sealed class OnnxNode
{
    private readonly Dictionary<string, AttributeProto> _attributes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public OnnxNode(NodeProto proto, int index, int opset, string file)
    {
        Proto = proto;
        Opset = opset;
        Where = $"{file}: ONNX node {index}{(proto.Name.Length > 0 ? $" '{proto.Name}'" : "")} ({proto.OpType}, opset {opset})";
        foreach (AttributeProto a in proto.Attribute)
        {
            if (!_attributes.TryAdd(a.Name, a))
            {
                throw new InvalidDataException($"{Where}: attribute '{a.Name}' is given twice.");
            }
        }
    }

    public NodeProto Proto { get; }

    public int Opset { get; }

    public string Where { get; }

    public string OpType => Proto.OpType;

    /// <summary>How many inputs the node names (trailing empty names, ONNX's omitted optional inputs, not counted).</summary>
    public int InputCount
    {
        get
        {
            int n = Proto.Input.Count;
            while (n > 0 && Proto.Input[n - 1].Length == 0)
            {
                n--;
            }
            return n;
        }
    }

    public bool Has(string name) => _attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Get(name, AttributeType.Int) is { } a ? a.I : fallback;

    public int Int32(string name, int fallback)
    {
        long value = Int(name, fallback);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw Bad(name, $"{value} is out of range");
    }

    public float Float(string name, float fallback) => Get(name, AttributeType.Float) is { } a ? a.F : fallback;

    public string String(string name, string fallback) => Get(name, AttributeType.String) is { } a ? Encoding.UTF8.GetString(a.S.Span) : fallback;

    /// <summary>An INTS attribute as ints (each checked), or null when absent.</summary>
    public int[]? Ints(string name)
    {
        if (Get(name, AttributeType.Ints) is not { } a)
        {
            return null;
        }
        if (a.Ints.Count > OnnxTensors.MaxRank * 2)
        {
            throw Bad(name, $"{a.Ints.Count} values is too many");
        }
        return a.Ints.Select(v => v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Bad(name, $"{v} is out of range")).ToArray();
    }

    public long[]? Longs(string name) => Get(name, AttributeType.Ints)?.Ints.ToArray();

    public float[]? Floats(string name) => Get(name, AttributeType.Floats)?.Floats.ToArray();

    public Tensor? Tensor(string name) => Get(name, AttributeType.Tensor) is { } a ? OnnxTensors.ToTensor(a.T, $"{Where}: attribute '{name}'") : null;

    /// <summary>After the op has read what it understands: any other attribute is refused by name.</summary>
    public void RefuseUnread()
    {
        foreach (string name in _attributes.Keys)
        {
            if (!_read.Contains(name))
            {
                throw new NotSupportedException($"{Where}: attribute '{name}' is not supported.");
            }
        }
    }

    public NotSupportedException Unsupported(string what) => new($"{Where}: {what} is not supported.");

    public InvalidDataException Bad(string attribute, string what) => new($"{Where}: attribute '{attribute}': {what}.");

    private AttributeProto? Get(string name, AttributeType type)
    {
        _read.Add(name);
        if (!_attributes.TryGetValue(name, out AttributeProto? a))
        {
            return null;
        }
        if (a.RefAttrName.Length > 0)
        {
            throw Unsupported($"attribute '{name}' referring to a function's attribute");
        }
        // Files from old writers leave type unset; ONNX then infers it from the field that is set.
        if (a.Type != type && a.Type != AttributeType.Undefined)
        {
            throw Bad(name, $"is {a.Type.ToString().ToUpperInvariant()}, expected {type.ToString().ToUpperInvariant()}");
        }
        return a;
    }
}

using System.Runtime.InteropServices;
using ChainRule.IO.OnnxProto;
using Google.Protobuf;
using DataType = ChainRule.IO.OnnxProto.TensorProto.Types.DataType;

namespace ChainRule.IO;

/// <summary>
/// ONNX TensorProto to <see cref="Tensor"/>, and the limits that keep a hostile file from allocating more than it holds:
/// every size is checked in 64 bits against the bytes that are really there before anything is allocated.
/// </summary>
internal static class OnnxTensors
{
    /// <summary>The largest file read: protobuf's own limit is 2 GiB, and a model is read into memory whole.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Nesting deeper than this (a graph in an attribute in a graph ...) is refused by the parser.</summary>
    public const int RecursionLimit = 16;

    /// <summary>Tensors of more axes than this are refused (ONNX's own tests use at most 6).</summary>
    public const int MaxRank = 16;

    /// <summary>Parses a message from user bytes with the size and recursion limits; a malformed one is an InvalidDataException naming <paramref name="what"/>.</summary>
    public static T Parse<T>(MessageParser<T> parser, byte[] bytes, string what) where T : IMessage<T>
    {
        try
        {
            using var input = CodedInputStream.CreateWithLimits(new MemoryStream(bytes, writable: false), Math.Max(bytes.Length, 1), RecursionLimit);
            return parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{what}: not a valid ONNX protobuf ({e.Message})", e);
        }
    }

    /// <summary>The ChainRule dtype of an ONNX element type, or a NotSupportedException naming it.</summary>
    public static DType DTypeOf(int elemType, string what) => (DataType)elemType switch
    {
        DataType.Float => DType.Float32,
        DataType.Double => DType.Float64,
        DataType.Int32 => DType.Int32,
        DataType.Int64 => DType.Int64,
        DataType.Bool => DType.Bool,
        DataType.Uint8 => DType.UInt8,
        _ => throw new NotSupportedException($"{what}: element type {Name(elemType)} is not supported; ChainRule reads float, double, int32, int64, bool and uint8."),
    };

    public static string Name(int elemType) =>
        Enum.IsDefined((DataType)elemType) ? ((DataType)elemType).ToString().ToUpperInvariant() : $"#{elemType}";

    /// <summary>The shape of <paramref name="dims"/>, each in [0, int.MaxValue), their product too (in 64 bits).</summary>
    public static Shape ShapeOf(IReadOnlyList<long> dims, string what)
    {
        if (dims.Count > MaxRank)
        {
            throw new InvalidDataException($"{what}: {dims.Count} axes, more than the {MaxRank} ChainRule reads.");
        }
        long size = 1;
        var result = new int[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i] < 0 || dims[i] >= int.MaxValue)
            {
                throw new InvalidDataException($"{what}: dimension {i} is {dims[i]}.");
            }
            size = Math.Min(size * dims[i], int.MaxValue); // both factors below 2^31: no overflow; saturates at the limit
            result[i] = (int)dims[i];
        }
        if (size >= int.MaxValue)
        {
            throw new InvalidDataException($"{what}: shape ({string.Join(", ", dims)}) has more than {int.MaxValue} elements.");
        }
        return new Shape(result);
    }

    /// <summary>The tensor a TensorProto holds: raw_data (little-endian) or the typed field of its element type, whose length must match the shape.</summary>
    public static Tensor ToTensor(TensorProto proto, string what)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External || proto.ExternalData.Count > 0)
        {
            throw new NotSupportedException($"{what}: the tensor's data is in an external file; ChainRule reads tensors stored in the model.");
        }
        if (proto.Segment is not null)
        {
            throw new NotSupportedException($"{what}: segmented tensors are not supported.");
        }
        DType dtype = DTypeOf(proto.DataType, what);
        Shape shape = ShapeOf(proto.Dims, what);
        long count = shape.Size;
        if (!proto.RawData.IsEmpty)
        {
            long expected = count * dtype.ElementSize();
            if (proto.RawData.Length != expected)
            {
                throw new InvalidDataException($"{what}: raw_data holds {proto.RawData.Length} bytes, but {shape} {dtype.Name()} needs {expected}.");
            }
            if (!BitConverter.IsLittleEndian)
            {
                throw new NotSupportedException($"{what}: raw_data is little-endian and this machine is not.");
            }
            ReadOnlySpan<byte> raw = proto.RawData.Span;
            return dtype switch
            {
                DType.Float32 => Tensor.FromArray(MemoryMarshal.Cast<byte, float>(raw).ToArray(), shape),
                DType.Float64 => Tensor.FromArray(MemoryMarshal.Cast<byte, double>(raw).ToArray(), shape),
                DType.Int32 => Tensor.FromArray(MemoryMarshal.Cast<byte, int>(raw).ToArray(), shape),
                DType.Int64 => Tensor.FromArray(MemoryMarshal.Cast<byte, long>(raw).ToArray(), shape),
                DType.Bool => Tensor.FromArray(raw.ToArray().Select(b => b != 0).ToArray(), shape),
                _ => Tensor.FromArray(raw.ToArray(), shape),
            };
        }
        // The typed fields: int32_data also carries bool and uint8, one element each.
        int stored = dtype switch
        {
            DType.Float32 => proto.FloatData.Count,
            DType.Float64 => proto.DoubleData.Count,
            DType.Int64 => proto.Int64Data.Count,
            _ => proto.Int32Data.Count,
        };
        if (stored != count)
        {
            throw new InvalidDataException($"{what}: holds {stored} values, but {shape} needs {count}.");
        }
        return dtype switch
        {
            DType.Float32 => Tensor.FromArray(proto.FloatData.ToArray(), shape),
            DType.Float64 => Tensor.FromArray(proto.DoubleData.ToArray(), shape),
            DType.Int32 => Tensor.FromArray(proto.Int32Data.ToArray(), shape),
            DType.Int64 => Tensor.FromArray(proto.Int64Data.ToArray(), shape),
            DType.Bool => Tensor.FromArray(proto.Int32Data.Select(v => v != 0).ToArray(), shape),
            _ => Tensor.FromArray(proto.Int32Data.Select(v => (byte)v).ToArray(), shape),
        };
    }
}

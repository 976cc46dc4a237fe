namespace ChainRule.IO;

/// <summary>
/// One tensor's entry in a safetensors header: its name, its element type as the file spells it
/// (<c>"F32"</c>, <c>"BF16"</c>, <c>"I64"</c>, ...), its shape, and where its bytes lie:
/// <c>[Begin, End)</c>, counted from the first byte after the header (<see cref="SafetensorsHeader.DataStart"/>).
/// </summary>
public sealed record SafetensorsTensorInfo(string Name, string DType, Shape Shape, long Begin, long End)
{
    /// <summary>Number of bytes the tensor occupies in the file.</summary>
    public long ByteLength => End - Begin;
}

namespace ChainRule.IO;

/// <summary>
/// What <see cref="Safetensors.ReadHeader(string)"/> finds in a safetensors file without reading its data:
/// the tensors (in the order of their data in the file), the free-form metadata, and where the data starts.
/// Every entry has already been validated against the file's size.
/// </summary>
public sealed class SafetensorsHeader
{
    internal SafetensorsHeader(long dataStart, IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        DataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Byte offset of the data buffer in the file: 8 + the header length.</summary>
    public long DataStart { get; }

    /// <summary>The tensors ordered by where their data lies in the file.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}

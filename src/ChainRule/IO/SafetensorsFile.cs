namespace ChainRule.IO;

/// <summary>
/// The contents of a safetensors file, as returned by <see cref="Safetensors.Load(string)"/>: the tensors in
/// the order of their data in the file, and the metadata. <c>Safetensors.Save(path, file.Tensors, file.Metadata)</c>
/// writes them back.
/// </summary>
public sealed class SafetensorsFile
{
    internal SafetensorsFile(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, SafetensorsHeader header)
    {
        Tensors = tensors;
        Header = header;
    }

    /// <summary>Each tensor with its name, in its own dtype; F16 and BF16 widened to Float32, I8 and I16 to Int32.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>
    /// The header the tensors were read from; <c>Header.Tensors[i]</c> describes <c>Tensors[i]</c>, including
    /// the element type stored in the file (e.g. <c>"BF16"</c> for a tensor converted to Float32).
    /// </summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message lists the names there are.</exception>
    public Tensor this[string name]
    {
        get
        {
            foreach (KeyValuePair<string, Tensor> entry in Tensors)
            {
                if (entry.Key == name)
                {
                    return entry.Value;
                }
            }
            string some = string.Join(", ", Tensors.Take(10).Select(t => $"'{t.Key}'"));
            throw new KeyNotFoundException(
                $"no tensor named '{name}'; the file holds {Tensors.Count}: {some}{(Tensors.Count > 10 ? ", ..." : "")}.");
        }
    }
}

namespace ChainRule.Data;

/// <summary>
/// A data file is malformed. The message always reads <c>"{file}: {location}: {problem}"</c>, where the
/// location is a byte offset for binary files (<c>"byte 16"</c>, or <c>"byte 16 (decompressed offset)"</c>
/// inside a gzip stream) and a line and column for text files (<c>"line 5, column 3"</c>).
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string fileName, string location, string problem)
        : base($"{fileName}: {location}: {problem}")
    {
        FileName = fileName;
        Location = location;
    }

    /// <summary>The path (or, for a stream, the display name) of the malformed file.</summary>
    public string FileName { get; }

    /// <summary>Where the problem is: <c>"byte 16"</c>, <c>"line 5, column 3"</c>, ...</summary>
    public string Location { get; }
}

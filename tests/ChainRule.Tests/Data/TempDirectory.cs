namespace ChainRule.Tests.Data;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on Dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("chainrule-data-").FullName;
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="fileName"/> inside this directory.</summary>
    public string File(string fileName) => System.IO.Path.Combine(Path, fileName);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

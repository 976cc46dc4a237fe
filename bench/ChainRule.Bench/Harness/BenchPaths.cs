namespace ChainRule.Bench.Harness;

/// <summary>Default locations: the results file next to the bench project, and Debian's Fashion-MNIST.</summary>
public static class BenchPaths
{
    /// <summary>Installed by `apt-get install dataset-fashion-mnist`.</summary>
    public const string DefaultDataDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// bench/RESULTS.md, found by walking up from the build output (bench/ChainRule.Bench/bin/...)
    /// to the folder that holds ChainRule.Bench/; RESULTS.md in the current folder otherwise.
    /// </summary>
    public static string DefaultResultsPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChainRule.Bench", "ChainRule.Bench.csproj")))
                return Path.Combine(dir.FullName, "RESULTS.md");
        }
        return Path.GetFullPath("RESULTS.md");
    }
}

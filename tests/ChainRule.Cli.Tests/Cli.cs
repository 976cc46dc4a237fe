namespace ChainRule.Cli.Tests;

/// <summary>Runs the chainrule command in-process and captures what it prints.</summary>
internal static class Cli
{
    public sealed record Result(int ExitCode, string Output, string Error);

    // NOTE: commands set the process-wide thread count (--threads); tests that train run one at a time.
    private static readonly Lock s_gate = new();

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code;
        lock (s_gate)
        {
            code = Program.Run(args, output, error);
        }
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>A user error: non-zero exit, exactly one line on stderr, naming what was wrong, no stack trace.</summary>
    public static void AssertOneLineError(Result result, string expected)
    {
        Assert.NotEqual(0, result.ExitCode);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{result.Error}");
        Assert.StartsWith("chainrule: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", result.Error + result.Output);
    }
}

/// <summary>A fresh directory under the system temp folder, deleted on Dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chainrule-cli-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

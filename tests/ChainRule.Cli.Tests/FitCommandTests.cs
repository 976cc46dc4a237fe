namespace ChainRule.Cli.Tests;

// chainrule fit, in-process: the universal approximation theorem as a command (MISSION 5).
public sealed class FitCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "chainrule-fit-" + Guid.NewGuid().ToString("N"));

    public FitCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Fit_reports_the_errors_and_writes_the_picture()
    {
        string png = Path.Combine(_directory, "fit.png");

        (int code, string output, string error) = ExplainCommandTests.Run("fit", "sin(3*x)", "--range", "-1,1", "--hidden", "16", "--epochs", "500", "--out", png);

        Assert.Equal("", error);
        Assert.Equal(0, code);
        Assert.Contains("fitting sin(3*x) on [-1, 1]: one hidden layer of 16 tanh units (49 parameters), 256 samples, 500 full-batch Adam steps", output, StringComparison.Ordinal);
        Assert.Contains("error at 1000 evenly spaced points of [-1, 1]", output, StringComparison.Ordinal);
        Assert.Contains("  after Adam ", output, StringComparison.Ordinal);
        Assert.Contains("  output layer solved by least squares ", output, StringComparison.Ordinal);
        Assert.Contains($"wrote {png}", output, StringComparison.Ordinal);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
    }

    [Fact]
    public void More_hidden_units_print_a_smaller_max_error()
    {
        double MaxError(int hidden)
        {
            (_, string output, _) = ExplainCommandTests.Run("fit", "sin(3*x)", "--hidden", hidden.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--epochs", "500", "--out", Path.Combine(_directory, $"fit{hidden}.png"));
            string line = output.Split('\n').Single(l => l.StartsWith("  output layer solved", StringComparison.Ordinal));
            string number = line.Split("max |error| ")[1].Split(' ')[0];
            return double.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
        }

        double two = MaxError(2), eight = MaxError(8), thirtyTwo = MaxError(32);

        Assert.True(two > eight && eight > thirtyTwo, $"max error with 2, 8, 32 units: {two}, {eight}, {thirtyTwo}");
    }

    [Theory]
    [InlineData(new[] { "fit", "sin(x)", "--range", "1,1" }, "chainrule: --range 1,1: give LOW,HIGH with LOW < HIGH, e.g. --range -1,1 (or --range=-3.14,3.14).")]
    [InlineData(new[] { "fit", "sin(x)", "--hidden", "0" }, "chainrule: --hidden 0: must be at least 1.")]
    [InlineData(new[] { "fit", "sin(x)", "--hidden", "300" }, "chainrule: fit: solving the output layer by least squares needs at least hidden + 1 = 301 samples, not 256: raise --samples or pass --adam-only.")]
    [InlineData(new[] { "fit", "sin(x)", "--hidden", "1000000", "--adam-only" }, "chainrule: fit: 1000000 hidden units: at most 100,000 (the hidden layer of every sample and grid point is held in memory).")]
    [InlineData(new[] { "fit", "sin(3*y)" }, "chainrule: fit: the function may use only x, but it uses 'y'.")]
    [InlineData(new[] { "fit", "sin(3*x" }, "chainrule: expression column 8: expected ')' to close sin( at column 1")]
    [InlineData(new[] { "fit", "sin(x)", "--out", "fit.svg" }, "chainrule: --out fit.svg: the picture is a .png file.")]
    public void A_problem_is_one_line_on_stderr(string[] args, string message)
    {
        (int code, _, string error) = ExplainCommandTests.Run(args);

        Assert.Equal(1, code);
        Assert.Equal(message, error.TrimEnd('\n'));
    }
}

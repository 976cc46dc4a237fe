using System.Globalization;

namespace ChainRule.Cli.Tests;

// chainrule gp and chainrule kernel, in-process: the network as a kernel (MISSION 5).
public sealed class GpCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static double Number(string output, string label)
    {
        string line = output.Split('\n').First(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal));
        string rest = line[(line.IndexOf(label, StringComparison.Ordinal) + label.Length)..].Trim();
        return double.Parse(rest.Split(' ', '%')[0], CultureInfo.InvariantCulture);
    }

    [Fact]
    public void The_trained_networks_kernel_matches_the_network_and_adds_calibrated_uncertainty_on_the_toy_set()
    {
        // the target, with the command's defaults: 500 training points, 1000 test points, noise 0.1
        string png = Path.Combine(_directory.Path, "gp.png");
        Cli.Result r = Cli.Run("gp", "--data", "toy", "--kernel", "network", "--out", png);
        Assert.Equal("", r.Error);
        Assert.Equal(0, r.ExitCode);
        double rmse = Number(r.Output, "RMSE of the posterior mean");
        double network = Number(r.Output, "the network alone: RMSE");
        double coverage = Number(r.Output, "inside mean ± 2σ");
        Assert.True(rmse <= 1.02 * network, $"GP {rmse} against the network's {network}");
        Assert.InRange(coverage, 90, 99);
        Assert.Contains("test set: 1000 fresh points of the toy set", r.Output);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
    }

    [Fact]
    public void A_function_of_x_with_an_infinite_width_kernel()
    {
        string png = Path.Combine(_directory.Path, "sin.png");
        Cli.Result r = Cli.Run("gp", "sin(3*x)", "--range", "-2,2", "--samples", "80", "--kernel", "nngp-erf", "--steps", "100", "--out", png);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("gp on sin(3*x) on [-2, 2]: 80 training points, noise σ = 0.1, kernel nngp-erf", r.Output);
        Assert.InRange(Number(r.Output, "RMSE of the posterior mean"), 0.08, 0.2);
        Assert.InRange(Number(r.Output, "inside mean ± 2σ"), 85, 100);
        Assert.True(File.Exists(png));
    }

    [Theory]
    [InlineData(new[] { "gp" }, "give a function of x")]
    [InlineData(new[] { "gp", "sin(x)", "--data", "toy" }, "not both")]
    [InlineData(new[] { "gp", "--data", "mnist" }, "--data mnist")]
    [InlineData(new[] { "gp", "sin(x)", "--kernel", "matern" }, "--kernel matern: choose one of rbf, nngp-relu, nngp-erf, network, deep")]
    [InlineData(new[] { "gp", "sin(x)", "--noise", "0" }, "--noise 0")]
    [InlineData(new[] { "gp", "sin(y)" }, "uses 'y'")]
    [InlineData(new[] { "gp", "sin(x)", "--samples", "50000" }, "at most 20,000")]
    [InlineData(new[] { "gp", "sin(x)", "--out", "gp.svg" }, ".png")]
    [InlineData(new[] { "kernel", "--activation", "tanh" }, "--activation tanh")]
    [InlineData(new[] { "kernel", "--width", "10,x" }, "--width '10,x'")]
    [InlineData(new[] { "kernel", "--bias-variance", "-1" }, "--bias-variance -1")]
    public void Bad_arguments_are_one_line_errors(string[] args, string expected)
    {
        Cli.AssertOneLineError(Cli.Run(args), expected);
    }

    [Fact]
    public void Kernel_prints_the_convergence_table_and_its_slope()
    {
        string png = Path.Combine(_directory.Path, "kernel.png");
        Cli.Result r = Cli.Run("kernel", "--activation", "erf", "--width", "10,100,1000,10000", "--seeds", "3", "--points", "40", "--out", png);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("one hidden layer of erf (arcsine kernel)", r.Output);
        Assert.Contains("     10,000 ", r.Output);
        double slope = Number(r.Output, "slope of log max |K_N - K_inf| against log N:");
        Assert.InRange(slope, -0.7, -0.3);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
    }
}

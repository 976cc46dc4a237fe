using System.CommandLine;
using System.Globalization;
using ChainRule.GaussianProcesses;
using ChainRule.IO;

namespace ChainRule.Cli.Commands;

/// <summary>
/// chainrule kernel: a one-hidden-layer network with random Gaussian weights becomes a Gaussian process as its width
/// grows. Prints max |K_N − K_∞| per width with the fitted slope (−1/2 in theory) and draws the Gram matrices.
/// </summary>
public static class KernelCommand
{
    public static Command Create(ConsoleUi ui)
    {
        var activation = new Option<string>("--activation") { Description = "relu (arc-cosine kernel) or erf (arcsine kernel)", DefaultValueFactory = _ => "relu" };
        var widths = new Option<string>("--width") { Description = "hidden widths N, comma-separated", DefaultValueFactory = _ => "10,100,1000,10000,100000" };
        var points = new Option<int>("--points") { Description = "fixed input points in (-1, 1)^2", DefaultValueFactory = _ => 100 };
        var seeds = new Option<int>("--seeds") { Description = "random networks per width (the table shows the median and the worst)", DefaultValueFactory = _ => 10 };
        var weightVariance = new Option<double>("--weight-variance") { Description = "σw²: first-layer weights ~ N(0, σw²/d)", DefaultValueFactory = _ => 1 };
        var biasVariance = new Option<double>("--bias-variance") { Description = "σb²: biases ~ N(0, σb²)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "the PNG of the Gram matrices", DefaultValueFactory = _ => "kernel.png" };
        var command = new Command("kernel", "Watch a random network become a Gaussian process: max |K_N - K_inf| per hidden width N, its slope against N, and the Gram matrices.")
        {
            activation, widths, points, seeds, weightVariance, biasVariance, output,
        };
        command.SetAction(r =>
        {
            string name = r.GetValue(activation)!;
            WidthActivation act = name switch
            {
                "relu" => WidthActivation.Relu,
                "erf" => WidthActivation.Erf,
                _ => throw new UserException($"--activation {name}: choose relu or erf (the activations whose limit has a closed form here)."),
            };
            int[] n = TrainCommand.ParseSizes(r.GetValue(widths)!, "--width");
            if (n.Length == 0)
            {
                throw new UserException("--width: give at least one width, e.g. --width 10,100,1000.");
            }
            return Run(ui, act, n, FitCommand.AtLeast(r.GetValue(points), 2, "--points"), FitCommand.AtLeast(r.GetValue(seeds), 1, "--seeds"),
                Positive(r.GetValue(weightVariance), "--weight-variance"), Positive(r.GetValue(biasVariance), "--bias-variance"), r.GetValue(output)!);
        });
        return command;
    }

    private static int Run(ConsoleUi ui, WidthActivation activation, int[] widths, int points, int seeds, double sw, double sb, string output)
    {
        if (!string.Equals(Path.GetExtension(output), ".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"--out {output}: the picture is a .png file.");
        }
        if (points > 2000)
        {
            throw new UserException($"--points {points}: at most 2000 (the Gram matrices are points x points).");
        }
        string name = activation == WidthActivation.Relu ? "ReLU (arc-cosine kernel)" : "erf (arcsine kernel)";
        Tensor x = InfiniteWidth.FixedPoints(points);
        ui.Output.WriteLine($"one hidden layer of {name}, w ~ N(0, {Number(sw)}/d), b ~ N(0, {Number(sb)}), on {points} fixed points in (-1, 1)^2; {seeds} random networks per width");
        WidthConvergence table = InfiniteWidth.Convergence(x, activation, widths, seeds, sw, sb);
        ui.Output.WriteLine($"max |K_inf| = {Number(table.MaxAbsLimit)}");
        ui.Output.WriteLine("    width N   max |K_N - K_inf| (median)   relative (median)   relative (worst seed)");
        foreach (WidthConvergenceRow row in table.Rows)
        {
            ui.Output.WriteLine($"{row.Width,11:N0}   {Number(row.MedianError),26}   {row.MedianRelative * 100,16:0.00}%   {row.WorstRelative * 100,20:0.00}%");
        }
        if (widths.Length > 1)
        {
            ui.Output.WriteLine($"slope of log max |K_N - K_inf| against log N: {table.Slope:0.000} (the central limit theorem says -0.5)");
        }
        var grams = widths.Select(w => ($"K_N, N = {w:N0}", InfiniteWidth.EmpiricalKernel(x, x, activation, w, new Generator(1), sw, sb)))
            .Append(("K_inf (closed form)", table.Limit)).ToList();
        AtomicFile.WriteAllBytes(output, GpChart.Grams(grams));
        ui.Output.WriteLine($"wrote {output}");
        return 0;
    }

    private static double Positive(double value, string option) => value is > 0 and < double.PositiveInfinity
        ? value : throw new UserException($"{option} {value.ToString(CultureInfo.InvariantCulture)}: must be greater than 0.");

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}

using System.CommandLine;
using System.Globalization;
using ChainRule.Explain;
using ChainRule.IO;
using ChainRule.Training;

namespace ChainRule.Cli.Commands;

/// <summary>
/// chainrule fit: the universal approximation theorem as a command. Trains one hidden layer of tanh units on a
/// function of x over a range, reports the largest and mean absolute error on a dense grid, and draws target vs fit.
/// </summary>
public static class FitCommand
{
    public static Command Create(ConsoleUi ui)
    {
        var defaults = new FunctionFitOptions();
        var function = new Argument<string>("function") { Description = "a function of x in the expression language of 'explain', e.g. \"sin(3*x)\" or \"relu(x) - x^2/2\"" };
        var range = new Option<string>("--range") { Description = "the interval LOW,HIGH", DefaultValueFactory = _ => "-1,1" };
        var hidden = new Option<int>("--hidden") { Description = "hidden units", DefaultValueFactory = _ => defaults.Hidden };
        var epochs = new Option<int>("--epochs") { Description = "full-batch Adam steps", DefaultValueFactory = _ => defaults.Epochs };
        var lr = new Option<double>("--lr") { Description = "initial learning rate (cosine decay to 1/100 of it)", DefaultValueFactory = _ => defaults.LearningRate };
        var samples = new Option<int>("--samples") { Description = "training points, evenly spaced over the range", DefaultValueFactory = _ => defaults.Samples };
        var seed = new Option<ulong>("--seed") { Description = "seed for the initial weights", DefaultValueFactory = _ => defaults.Seed };
        var adamOnly = new Option<bool>("--adam-only") { Description = "keep the output layer Adam trained instead of solving it by least squares" };
        var output = new Option<string>("--out") { Description = "the PNG of target, fit and error", DefaultValueFactory = _ => "fit.png" };
        var command = new Command("fit", "Fit a function of x with one hidden layer (universal approximation): report the error on a dense grid and draw the fit.")
        {
            function, range, hidden, epochs, lr, samples, seed, adamOnly, output,
        };
        command.SetAction(r =>
        {
            (double low, double high) = ParseRange(r.GetValue(range)!);
            var options = new FunctionFitOptions
            {
                Low = low,
                High = high,
                Hidden = AtLeast(r.GetValue(hidden), 1, "--hidden"),
                Epochs = AtLeast(r.GetValue(epochs), 1, "--epochs"),
                LearningRate = r.GetValue(lr) is > 0 and < double.PositiveInfinity and double rate ? rate
                    : throw new UserException($"--lr {r.GetValue(lr).ToString(CultureInfo.InvariantCulture)}: must be greater than 0."),
                Samples = AtLeast(r.GetValue(samples), 2, "--samples"),
                Seed = r.GetValue(seed),
                SolveOutputLayer = !r.GetValue(adamOnly),
            };
            return Run(ui, r.GetValue(function)!, options, r.GetValue(output)!);
        });
        return command;
    }

    private static int Run(ConsoleUi ui, string text, FunctionFitOptions options, string output)
    {
        if (!string.Equals(Path.GetExtension(output), ".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"--out {output}: the picture is a .png file.");
        }
        Expression function = Expression.Parse(text);
        string range = $"[{Number(options.Low)}, {Number(options.High)}]";
        int parameters = (3 * options.Hidden) + 1;
        ui.Output.WriteLine($"fitting {text} on {range}: one hidden layer of {options.Hidden} tanh units ({parameters} parameters), "
            + $"{options.Samples} samples, {options.Epochs} full-batch Adam steps");
        int every = Math.Max(100, options.Epochs / 5 / 100 * 100);
        FunctionFitResult result = FunctionFit.Fit(function, options, (step, loss) =>
        {
            if (step % every == 0 || step == options.Epochs)
            {
                ui.Output.WriteLine($"  step {step,6}  loss {FitChart.Format(loss)} (standardised units)");
            }
        });
        ui.Output.WriteLine($"error at {result.X.Length} evenly spaced points of {range} ({result.Elapsed.TotalSeconds:0.0} s):");
        ui.Output.WriteLine($"  after Adam                              max |error| {FitChart.Format(result.AdamErrors.Max)}  mean |error| {FitChart.Format(result.AdamErrors.Mean)}");
        if (options.SolveOutputLayer)
        {
            ui.Output.WriteLine($"  output layer solved by least squares    max |error| {FitChart.Format(result.Errors.Max)}  mean |error| {FitChart.Format(result.Errors.Mean)}");
        }
        string how = options.SolveOutputLayer ? "Adam, then the output layer by least squares" : "Adam";
        AtomicFile.WriteAllBytes(output, FitChart.Render(result, $"{text}: {options.Hidden} tanh units ({how})"));
        ui.Output.WriteLine($"wrote {output}");
        return 0;
    }

    internal static (double Low, double High) ParseRange(string text)
    {
        string[] parts = text.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double low)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double high)
            && double.IsFinite(low) && double.IsFinite(high) && low < high)
        {
            return (low, high);
        }
        throw new UserException($"--range {text}: give LOW,HIGH with LOW < HIGH, e.g. --range -1,1 (or --range=-3.14,3.14).");
    }

    internal static int AtLeast(int value, int minimum, string option) =>
        value >= minimum ? value : throw new UserException($"{option} {value}: must be at least {minimum}.");

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

using System.CommandLine;
using System.Globalization;
using ChainRule.GaussianProcesses;
using ChainRule.IO;

namespace ChainRule.Cli.Commands;

/// <summary>
/// chainrule gp: Gaussian-process regression on noisy samples of a function of x (or the notes' toy set), with an
/// RBF kernel, an infinite-width network's kernel, or a trained network's own kernel; scored on held-out points.
/// </summary>
public static class GpCommand
{
    private static readonly Dictionary<string, GpKernelChoice> s_kernels = new()
    {
        ["rbf"] = GpKernelChoice.Rbf,
        ["nngp-relu"] = GpKernelChoice.NngpRelu,
        ["nngp-erf"] = GpKernelChoice.NngpErf,
        ["network"] = GpKernelChoice.Network,
        ["deep"] = GpKernelChoice.Deep,
    };

    public static Command Create(ConsoleUi ui)
    {
        var defaults = new GpExperimentOptions();
        var function = new Argument<string?>("function") { Description = "a function of x (the expression language of 'explain'), e.g. \"sin(3*x)\"; omit it with --data toy", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data") { Description = "toy: the notes' regression set (x1, x2 in (-1, 1), y in (5, 10)) instead of a function of x" };
        var range = new Option<string>("--range") { Description = "the interval LOW,HIGH of x", DefaultValueFactory = _ => "-1,1" };
        var samples = new Option<int>("--samples") { Description = "noisy training points", DefaultValueFactory = _ => defaults.Samples };
        var testPoints = new Option<int>("--test-points") { Description = "held-out points the GP is scored on", DefaultValueFactory = _ => defaults.TestPoints };
        var noise = new Option<double>("--noise") { Description = "standard deviation of the Gaussian noise on the targets", DefaultValueFactory = _ => defaults.Noise };
        var kernel = new Option<string>("--kernel") { Description = "rbf, nngp-relu, nngp-erf (the infinite-width network), network (a trained network's own kernel) or deep (RBF on its features)", DefaultValueFactory = _ => "rbf" };
        var hidden = new Option<string>("--hidden") { Description = "hidden layers of the network, e.g. 64,64 (network and deep kernels)", DefaultValueFactory = _ => string.Join(",", defaults.Hidden) };
        var steps = new Option<int>("--steps") { Description = "Adam steps on the marginal likelihood", DefaultValueFactory = _ => defaults.GpSteps };
        var networkSteps = new Option<int>("--network-steps") { Description = "full-batch AdamW steps that train the network alone", DefaultValueFactory = _ => defaults.NetworkSteps };
        var seed = new Option<ulong>("--seed") { Description = "seed of the samples, the noise and the network", DefaultValueFactory = _ => defaults.Seed };
        var output = new Option<string>("--out") { Description = "the PNG of mean ± 2σ with the data", DefaultValueFactory = _ => "gp.png" };
        var command = new Command("gp", "Gaussian-process regression with an RBF, an infinite-width network's or a trained network's kernel: test RMSE, log-likelihood, ±2σ coverage and a picture.")
        {
            function, data, range, samples, testPoints, noise, kernel, hidden, steps, networkSteps, seed, output,
        };
        command.SetAction(r =>
        {
            string? text = r.GetValue(function);
            string? dataName = r.GetValue(data);
            if (dataName is not null && dataName != "toy")
            {
                throw new UserException($"--data {dataName}: the only built-in regression set is 'toy'.");
            }
            if ((text is null) == (dataName is null))
            {
                throw new UserException(text is null ? "give a function of x, e.g. chainrule gp \"sin(3*x)\", or --data toy." : "give either a function of x or --data toy, not both.");
            }
            (double low, double high) = FitCommand.ParseRange(r.GetValue(range)!);
            string kernelName = r.GetValue(kernel)!;
            var options = new GpExperimentOptions
            {
                Function = text,
                Low = low,
                High = high,
                Samples = FitCommand.AtLeast(r.GetValue(samples), 2, "--samples"),
                TestPoints = FitCommand.AtLeast(r.GetValue(testPoints), 2, "--test-points"),
                Noise = r.GetValue(noise) is > 0 and < double.PositiveInfinity and double s ? s
                    : throw new UserException($"--noise {r.GetValue(noise).ToString(CultureInfo.InvariantCulture)}: must be greater than 0."),
                Kernel = s_kernels.TryGetValue(kernelName, out GpKernelChoice k) ? k
                    : throw new UserException($"--kernel {kernelName}: choose one of {string.Join(", ", s_kernels.Keys)}."),
                Hidden = TrainCommand.ParseSizes(r.GetValue(hidden)!),
                GpSteps = FitCommand.AtLeast(r.GetValue(steps), 1, "--steps"),
                NetworkSteps = FitCommand.AtLeast(r.GetValue(networkSteps), 1, "--network-steps"),
                Seed = r.GetValue(seed),
            };
            return Run(ui, options, kernelName, r.GetValue(output)!);
        });
        return command;
    }

    private static int Run(ConsoleUi ui, GpExperimentOptions options, string kernelName, string output)
    {
        if (!string.Equals(Path.GetExtension(output), ".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"--out {output}: the picture is a .png file.");
        }
        string what = options.Function is null
            ? "the toy set (x1, x2 in (-1, 1), y = 7.5 + 1.5 sin(2 x1) cos(1.5 x2) + 0.5 x2^2 + noise)"
            : $"{options.Function} on [{Number(options.Low)}, {Number(options.High)}]";
        ui.Output.WriteLine($"gp on {what}: {options.Samples} training points, noise σ = {Number(options.Noise)}, kernel {kernelName}");
        GpExperimentResult r = GpExperiment.Run(options, line => ui.Output.WriteLine(line));
        ui.Output.WriteLine($"fitted: {r.KernelDescription}, noise variance {Number(r.NoiseVariance)}, mean {Number(r.LogMarginalLikelihoodPerPoint)} log-likelihood per training point ({r.Elapsed.TotalSeconds:0.0} s)");
        string where = options.Function is null ? "fresh points of the toy set" : "points evenly spaced over the range";
        ui.Output.WriteLine($"test set: {r.TestTargets.Size} {where}, with noisy targets");
        ui.Output.WriteLine($"  RMSE of the posterior mean         {r.Score.Rmse:0.0000}");
        ui.Output.WriteLine($"  mean predictive log-likelihood     {r.Score.MeanLogLikelihood:0.0000}   (predictive σ includes the noise)");
        ui.Output.WriteLine($"  inside mean ± 2σ                   {r.Score.Coverage * 100:0.0}%   (95.4% if calibrated)");
        if (r.NetworkRmse is double net)
        {
            ui.Output.WriteLine($"  the network alone: RMSE            {net:0.0000}   (GP / network = {r.Score.Rmse / net:0.000}; no uncertainty of its own)");
        }
        AtomicFile.WriteAllBytes(output, GpChart.Posterior(r, $"GP, {kernelName} kernel: RMSE {r.Score.Rmse:0.000}, {r.Score.Coverage * 100:0.0}% inside ±2σ"));
        ui.Output.WriteLine($"wrote {output}");
        return 0;
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}

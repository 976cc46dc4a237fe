using System.CommandLine;
using System.Globalization;
using ChainRule.Data;
using ChainRule.NN;
using ChainRule.Optim;
using ChainRule.Training;

namespace ChainRule.Cli.Commands;

/// <summary>
/// chainrule train: builds an MLP (or the --arch network) for the chosen data, trains it with the Trainer, and leaves in --out:
/// model.safetensors, config.json, metrics.csv and curves.png.
/// </summary>
public static class TrainCommand
{
    private static readonly string[] s_optimizers = ["sgd", "momentum", "nesterov", "adam", "adamw"];
    private static readonly string[] s_schedules = ["constant", "step", "cosine"];

    public static Command Create(ConsoleUi ui)
    {
        var data = new Option<string>("--data") { Description = "digits (built in), fashion, a directory of MNIST-format files, or a .csv file", DefaultValueFactory = _ => DataSources.Default };
        var hidden = new Option<string>("--hidden") { Description = "hidden layer sizes, comma-separated ('' for none)", DefaultValueFactory = _ => "1024,512" };
        var activation = new Option<string>("--activation") { Description = "hidden activation: " + string.Join(", ", Mlp.Activations), DefaultValueFactory = _ => "relu" };
        var outputActivation = new Option<string>("--output-activation") { Description = "none, sigmoid or softmax; default: none for cross-entropy, sigmoid for squared-error losses (the notes' network)" };
        var loss = new Option<string>("--loss") { Description = "cross-entropy, mse, or half-sse (the notes' 1/2 sum (x - y)^2)", DefaultValueFactory = _ => "cross-entropy" };
        var optimizer = new Option<string>("--optimizer") { Description = string.Join(", ", s_optimizers), DefaultValueFactory = _ => "adamw" };
        var lr = new Option<double?>("--lr") { Description = "learning rate (default: 0.001 for adam/adamw, 0.1 for sgd)" };
        var momentum = new Option<double>("--momentum") { Description = "momentum for the momentum and nesterov optimizers", DefaultValueFactory = _ => 0.9 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "weight decay (decoupled for adamw)", DefaultValueFactory = _ => 0 };
        var schedule = new Option<string>("--schedule") { Description = "learning-rate schedule: " + string.Join(", ", s_schedules), DefaultValueFactory = _ => "cosine" };
        var warmup = new Option<int>("--warmup") { Description = "linear warm-up steps", DefaultValueFactory = _ => 0 };
        var dropout = new Option<double>("--dropout") { Description = "dropout probability after each hidden layer", DefaultValueFactory = _ => 0.3 };
        var labelSmoothing = new Option<double>("--label-smoothing") { Description = "label smoothing for cross-entropy", DefaultValueFactory = _ => 0.1 };
        var clipNorm = new Option<double?>("--clip-norm") { Description = "clip gradients to this global L2 norm" };
        var batchSize = new Option<int>("--batch-size") { Description = "examples per step", DefaultValueFactory = _ => 64 };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 30 };
        var seed = new Option<ulong>("--seed") { Description = "seed for initial weights, shuffling, dropout and CSV splits", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "threads for the kernels", DefaultValueFactory = _ => Environment.ProcessorCount };
        var testFraction = new Option<double>("--test-fraction") { Description = "for a .csv file: the fraction held out for testing", DefaultValueFactory = _ => 0.2 };
        var output = new Option<string?>("--out") { Description = "output directory (default: runs/<data>-<time>)" };
        var arch = new Option<string?>("--arch")
        {
            Description = "the network: mlp (default: --hidden, --activation, --dropout), cnn (" + Architecture.DefaultCnn(10) + " for 10 classes), "
                + "or layer tokens joined by '-':\n" + Architecture.Grammar,
        };
        var augment = new Option<bool>("--augment") { Description = "random shifts of up to 2 pixels (zero padding) for each training image, drawn per example; never the test set" };
        var flip = new Option<bool>("--flip") { Description = "with --augment: also mirror half the training images left to right (for clothes, not for digits)" };

        var command = new Command("train", "Train a network (an MLP by default, or --arch cnn) and save it with its metrics and learning curves.")
        {
            data, hidden, activation, outputActivation, loss, optimizer, lr, momentum, weightDecay, schedule, warmup,
            dropout, labelSmoothing, clipNorm, batchSize, epochs, seed, threads, testFraction, output, arch, augment, flip,
        };
        command.SetAction(r =>
        {
            var settings = new TrainingConfig
            {
                Loss = Choice(r.GetValue(loss)!, LossFunctions.Names, "--loss"),
                Optimizer = Choice(r.GetValue(optimizer)!, s_optimizers, "--optimizer"),
                LearningRate = Positive(r.GetValue(lr) ?? (r.GetValue(optimizer) is "adam" or "adamw" ? 1e-3 : 0.1), "--lr"),
                Momentum = Fraction(r.GetValue(momentum), "--momentum"),
                WeightDecay = NonNegative(r.GetValue(weightDecay), "--weight-decay"),
                Schedule = Choice(r.GetValue(schedule)!, s_schedules, "--schedule"),
                WarmupSteps = (int)NonNegative(r.GetValue(warmup), "--warmup"),
                LabelSmoothing = Fraction(r.GetValue(labelSmoothing), "--label-smoothing"),
                ClipNorm = r.GetValue(clipNorm) is double c ? Positive(c, "--clip-norm") : null,
                BatchSize = (int)Positive(r.GetValue(batchSize), "--batch-size"),
                Epochs = (int)Positive(r.GetValue(epochs), "--epochs"),
                Seed = r.GetValue(seed),
                Threads = (int)Positive(r.GetValue(threads), "--threads"),
            };
            string? architecture = r.GetValue(arch) is "mlp" ? null : r.GetValue(arch);
            if (architecture is not null)
            {
                // the MLP's own options mean nothing to a spec: say so rather than ignore them
                foreach (Option mlpOnly in new Option[] { hidden, activation, outputActivation, dropout })
                {
                    if (r.GetResult(mlpOnly) is { Implicit: false })
                    {
                        throw new UserException($"{mlpOnly.Name} shapes the MLP; with --arch, write the layers in the spec (e.g. ...-fc128-relu-dropout0.3-fc10).");
                    }
                }
            }
            if (r.GetValue(flip) && !r.GetValue(augment))
            {
                throw new UserException("--flip is an augmentation: add --augment.");
            }
            var run = new TrainRun(ui, settings, r.GetValue(data)!, ParseSizes(r.GetValue(hidden)!),
                Choice(r.GetValue(activation)!, Mlp.Activations, "--activation"), r.GetValue(outputActivation),
                Fraction(r.GetValue(dropout), "--dropout"), TestFraction(r.GetValue(testFraction)), r.GetValue(output))
            {
                Architecture = architecture,
                Augment = r.GetValue(augment),
                Flip = r.GetValue(flip),
            };
            return run.Execute();
        });
        return command;
    }

    internal static string Choice(string value, string[] allowed, string option) =>
        allowed.Contains(value) ? value : throw new UserException($"{option} '{value}': use one of {string.Join(", ", allowed)}.");

    private static double Positive(double value, string option) =>
        value > 0 && double.IsFinite(value) ? value : throw new UserException($"{option} {value.ToString(CultureInfo.InvariantCulture)}: must be greater than 0.");

    private static double NonNegative(double value, string option) =>
        value >= 0 && double.IsFinite(value) ? value : throw new UserException($"{option} {value.ToString(CultureInfo.InvariantCulture)}: must be 0 or more.");

    // a held-out part must exist (a test of nothing reports NaN) and leave something to train on
    private static double TestFraction(double value) =>
        value is > 0 and < 1 ? value : throw new UserException($"--test-fraction {value.ToString(CultureInfo.InvariantCulture)}: must be in (0, 1), e.g. 0.2.");

    private static double Fraction(double value, string option) =>
        value is >= 0 and < 1 ? value : throw new UserException($"{option} {value.ToString(CultureInfo.InvariantCulture)}: must be in [0, 1).");

    internal static int[] ParseSizes(string text, string option = "--hidden")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
            {
                throw new UserException($"{option} '{text}': sizes must be positive integers separated by commas, e.g. 256,128.");
            }
        }
        return sizes;
    }
}

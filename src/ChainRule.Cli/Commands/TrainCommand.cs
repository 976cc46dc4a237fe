using System.CommandLine;
using System.Globalization;
using ChainRule.Data;
using ChainRule.IO;
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

    // --arch cnn's own defaults (on any data), for an option not given on the command line (an explicit one wins): the
    // recipe its digits accuracy was measured with (--augment, 20 epochs of batch 32). The MLP's 30 epochs would take
    // the CNN past 3 minutes on 2 cores, and batch 32 ended 0.15-0.2 points above 64 on the digits (seeds 1 and 2).

    /// <summary>--epochs for --arch cnn when not given.</summary>
    public const int CnnEpochs = 20;

    /// <summary>--batch-size for --arch cnn when not given.</summary>
    public const int CnnBatchSize = 32;

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
        var batchSize = new Option<int>("--batch-size") { Description = $"examples per step ({CnnBatchSize} with --arch cnn)", DefaultValueFactory = _ => 64 };
        var epochs = new Option<int>("--epochs") { Description = $"passes over the training set ({CnnEpochs} with --arch cnn)", DefaultValueFactory = _ => 30 };
        var seed = new Option<ulong>("--seed") { Description = "seed for initial weights, shuffling, dropout and CSV splits", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "threads for the kernels", DefaultValueFactory = _ => Environment.ProcessorCount };
        var testFraction = new Option<double>("--test-fraction") { Description = "for a .csv file: the fraction held out for testing", DefaultValueFactory = _ => 0.2 };
        var output = new Option<string?>("--out") { HelpName = "DIR", Description = "output directory (default: runs/<data>-<time>)" };
        var arch = new Option<string?>("--arch")
        {
            Description = "the network: mlp (default: --hidden, --activation, --dropout), cnn (" + Architecture.DefaultCnn(10) + " for 10 classes), "
                + "or layer tokens joined by '-':\n" + Architecture.Grammar,
        };
        var augment = new Option<bool>("--augment") { Description = "random shifts of up to 2 pixels (zero padding) for each training image, drawn per example; never the test set" };
        var flip = new Option<bool>("--flip") { Description = "with --augment: also mirror half the training images left to right (for clothes, not for digits)" };
        var saveEvery = new Option<int>("--save-every") { HelpName = "N", Description = "commit a checkpoint (model, optimizer, generators, metrics) to OUT/checkpoints/ every N epochs and after the last", DefaultValueFactory = _ => 1 };
        var resume = new Option<string?>("--resume") { HelpName = "DIR", Description = "continue the run in this directory from its last checkpoint, with its recorded options (a different value on the command line is refused)" };
        var detectAnomaly = new Option<bool>("--detect-anomaly") { Description = "if training diverges, rerun that step in anomaly mode and name the op that produced the first NaN or infinity" };

        var command = new Command("train", "Train a network (an MLP by default, or --arch cnn) and save it with its metrics and learning curves.")
        {
            data, hidden, activation, outputActivation, loss, optimizer, lr, momentum, weightDecay, schedule, warmup,
            dropout, labelSmoothing, clipNorm, batchSize, epochs, seed, threads, testFraction, output, arch, augment, flip,
            saveEvery, resume, detectAnomaly,
        };
        command.SetAction(r =>
        {
            if (r.GetValue(resume) is string resumed)
            {
                // the recorded options win: every option given explicitly must say what the run recorded
                return Resume(ui, r, resumed, r.GetValue(detectAnomaly), r.GetResult(threads) is { Implicit: false } ? r.GetValue(threads) : null, c =>
                [
                    (data, c.Data.Source, () => r.GetValue(data)),
                    (hidden, c.Model is { } m ? string.Join(",", m.Hidden) : null, () => string.Join(",", ParseSizes(r.GetValue(hidden)!))),
                    (activation, c.Model?.Activation, () => r.GetValue(activation)),
                    (outputActivation, c.Model?.OutputActivation, () => r.GetValue(outputActivation)),
                    (dropout, c.Model is { } d ? Text(d.Dropout) : null, () => Text(r.GetValue(dropout))),
                    (arch, c.Network?.Architecture ?? "mlp", () => r.GetValue(arch) is "cnn" && c.Network is { } n ? ExpandCnn(n.Architecture, c) : r.GetValue(arch)),
                    (loss, c.Training.Loss, () => r.GetValue(loss)),
                    (optimizer, c.Training.Optimizer, () => r.GetValue(optimizer)),
                    (lr, Text(c.Training.LearningRate), () => Text(r.GetValue(lr) ?? double.NaN)),
                    (momentum, Text(c.Training.Momentum), () => Text(r.GetValue(momentum))),
                    (weightDecay, Text(c.Training.WeightDecay), () => Text(r.GetValue(weightDecay))),
                    (schedule, c.Training.Schedule, () => r.GetValue(schedule)),
                    (warmup, Text(c.Training.WarmupSteps), () => Text(r.GetValue(warmup))),
                    (labelSmoothing, Text(c.Training.LabelSmoothing), () => Text(r.GetValue(labelSmoothing))),
                    (clipNorm, c.Training.ClipNorm is double cn ? Text(cn) : "none", () => Text(r.GetValue(clipNorm) ?? double.NaN)),
                    (batchSize, Text(c.Training.BatchSize), () => Text(r.GetValue(batchSize))),
                    (epochs, Text(c.Training.Epochs), () => Text(r.GetValue(epochs))),
                    (seed, Text(c.Training.Seed), () => Text(r.GetValue(seed))),
                    (testFraction, c.Data.TestFraction > 0 ? Text(c.Data.TestFraction) : Text(r.GetValue(testFraction)), () => Text(r.GetValue(testFraction))),
                    (augment, Text(c.Training.Augment), () => Text(r.GetValue(augment))),
                    (flip, Text(c.Training.Flip), () => Text(r.GetValue(flip))),
                    (saveEvery, Text(c.Training.SaveEvery), () => Text(r.GetValue(saveEvery))),
                    (output, Path.GetFullPath(resumed), () => r.GetValue(output) is string o ? Path.GetFullPath(o) : null),
                ]);
            }
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
                BatchSize = (int)Positive(r.GetResult(batchSize) is not { Implicit: false } && r.GetValue(arch) is "cnn" ? CnnBatchSize : r.GetValue(batchSize), "--batch-size"),
                Epochs = (int)Positive(r.GetResult(epochs) is not { Implicit: false } && r.GetValue(arch) is "cnn" ? CnnEpochs : r.GetValue(epochs), "--epochs"),
                Seed = r.GetValue(seed),
                Threads = (int)Positive(r.GetValue(threads), "--threads"),
                Augment = r.GetValue(augment),
                Flip = r.GetValue(flip),
                SaveEvery = (int)Positive(r.GetValue(saveEvery), "--save-every"),
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
                DetectAnomaly = r.GetValue(detectAnomaly),
            };
            return run.Execute();
        });
        return command;
    }

    // train --resume DIR: the run's own options from its current checkpoint's config.json, then the remaining epochs.
    private static int Resume(ConsoleUi ui, ParseResult r, string directory, bool detectAnomaly, int? threads,
        Func<RunConfig, (Option Option, string? Recorded, Func<string?> Given)[]> options)
    {
        if (!Directory.Exists(directory))
        {
            throw new UserException($"--resume '{directory}': no such directory.");
        }
        CheckpointManifest manifest = new CheckpointDirectory(directory).ReadManifest()
            ?? throw new UserException($"--resume '{directory}': no checkpoint to resume ({Path.Combine(directory, CheckpointDirectory.ManifestName)} is missing: "
                + "the run was stopped before its first epoch ended, or was written before checkpoints existed).");
        string folder = Path.Combine(directory, manifest.Current);
        string configPath = Path.Combine(folder, RunFiles.Config);
        RunConfig config = RunConfig.FromJson(File.ReadAllText(configPath), configPath);
        foreach ((Option option, string? recorded, Func<string?> given) in options(config))
        {
            if (r.GetResult(option) is { Implicit: false } && given() is var value && value != recorded)
            {
                throw new UserException($"--resume: {option.Name} {value ?? "(none)"} conflicts with the run's recorded {recorded ?? "(none)"} ({configPath}); a resumed run keeps its options: drop {option.Name}, or start a new run.");
            }
        }
        TrainingConfig settings = config.Training;
        if (threads is int t && t != settings.Threads)
        {
            ui.WriteLine($"Note: the run was recorded with {settings.Threads} thread(s), this one uses {t}: the result may differ in the last bits from an uninterrupted run.");
            settings = settings with { Threads = (int)Positive(t, "--threads") };
        }
        MlpConfig? m = config.Model;
        var run = new TrainRun(ui, settings, config.Data.Source, m?.Hidden ?? [], m?.Activation ?? "relu", m?.OutputActivation, m?.Dropout ?? 0,
            config.Data.TestFraction is > 0 and < 1 ? config.Data.TestFraction : 0.2, directory)
        {
            Architecture = config.Network?.Architecture,
            DetectAnomaly = detectAnomaly,
            ResumeFrom = folder,
            ResumeComplete = manifest.Complete,
        };
        return run.Execute();
    }

    private static string ExpandCnn(string recorded, RunConfig config) =>
        config.Data.ClassNames is { } names && Architecture.DefaultCnn(names.Length) == recorded ? recorded : "cnn";

    private static string Text(double value) => double.IsNaN(value) ? "none" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "true" : "false";

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

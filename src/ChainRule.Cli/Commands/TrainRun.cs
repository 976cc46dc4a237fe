using System.Globalization;
using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Optim;
using ChainRule.Training;
using Spectre.Console;

namespace ChainRule.Cli.Commands;

/// <summary>One training run: data, model and optimizer from the settings, the Trainer's loop with progress, then the files.</summary>
internal sealed class TrainRun(
    ConsoleUi ui, TrainingConfig settings, string source, int[] hidden, string activation, string? outputActivation,
    double dropout, double testFraction, string? outputDirectory)
{
    /// <summary>An --arch spec (or "cnn"); null for the MLP.</summary>
    public string? Architecture { get; init; }

    /// <summary>Rerun a diverging step in anomaly mode to name the op (Trainer.DetectAnomaly).</summary>
    public bool DetectAnomaly { get; init; }

    /// <summary>For train --resume: the current checkpoint's folder, whose model and training state the run continues from.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>With <see cref="ResumeFrom"/>: the checkpoint is the finished run's final one (nothing to train).</summary>
    public bool ResumeComplete { get; init; }

    public int Execute()
    {
        Parallelism.MaxDegree = settings.Threads;
        (Dataset train, Dataset test, DataConfig dataConfig) = DataSources.Load(source, testFraction, settings.Seed);
        int? classes = train.ClassNames?.Count;
        if (settings.Loss == "cross-entropy" && classes is null)
        {
            throw new UserException($"{source}: the target is numeric (regression); use --loss mse.");
        }
        int outputs = classes ?? (train.Labels.Rank == 1 ? 1 : train.Labels.Shape[1]);
        (Sequential network, MlpConfig? model, NetworkConfig? spec) = Architecture is null
            ? CreateMlp(dataConfig, outputs, classes)
            : CreateNetwork(dataConfig, outputs, source);
        Augmentation? augmentation = null;
        if (settings.Augment)
        {
            int[] image = spec?.InputShape is { Length: 3 } s ? s
                : dataConfig.ImageShape is [int h, int w] ? [1, h, w]
                : throw new UserException($"--augment: {source} holds no images (a row of {dataConfig.FeatureShape.Aggregate(1, (a, b) => a * b)} features); shifts and flips are for image data.");
            augmentation = new Augmentation(image[0], image[1], image[2], maxShift: 2, horizontalFlip: settings.Flip);
        }
        Optimizer optimizer = CreateOptimizer(network.Parameters());
        int steps = settings.Epochs * new DataLoader(train, settings.BatchSize).Count;
        var trainer = new Trainer(network, optimizer, LossFunctions.Create(settings.Loss, classes, settings.LabelSmoothing))
        {
            Schedule = CreateSchedule(steps),
            ClipNorm = settings.ClipNorm,
            // the test loss is the plain loss, as 'evaluate' reports it; only the training loss carries the smoothing
            EvaluationLoss = LossFunctions.Create(settings.Loss, classes, 0),
            Augmentation = augmentation,
            DetectAnomaly = DetectAnomaly,
        };
        string directory = outputDirectory ?? Path.Combine("runs", $"{Path.GetFileNameWithoutExtension(source.TrimEnd('/'))}-{DateTime.Now:yyyyMMdd-HHmmss}");
        var history = new List<EpochResult>();
        if (ResumeFrom is string resumed)
        {
            Checkpoint.Load(network, Path.Combine(resumed, RunFiles.Model));
            history.AddRange(TrainingState.Load(Path.Combine(resumed, RunFiles.State), network, optimizer).History);
        }
        RunConfig ConfigAfter(IReadOnlyList<EpochResult> done) => new()
        {
            Model = model,
            Network = spec,
            Data = dataConfig,
            Training = settings,
            Results = new ResultsConfig(done[^1].TestLoss, done[^1].TestAccuracy, done.Sum(r => r.Seconds), done.Count),
        };

        bool existed = Directory.Exists(directory);
        var run = new CheckpointDirectory(directory) { OnStage = FaultInjection.Hit };
        using IDisposable runLock = run.Lock(); // released after the finally below has waited for the last commit
        var commits = new BackgroundCommits(run);
        try
        {
            if (ResumeComplete)
            {
                // killed while publishing, or resumed once more: the final files again, from the final checkpoint
                RunFiles.Publish(directory, ResumeFrom!, history, dataConfig.Name, FaultInjection.Hit);
                ui.WriteLine($"Nothing to resume: the run in {directory}/ finished ({Count(history.Count, "epoch")}); its final files are in place.");
                return 0;
            }
            int resumedAt = history.Count;
            PrintHeader(spec, model, dataConfig, train, test, augmentation, resumedAt);
            void AfterEpoch(EpochResult r)
            {
                history.Add(r);
                if (r.Epoch % settings.SaveEvery == 0 || r.Epoch == settings.Epochs)
                {
                    commits.Save(() => RunFiles.Take(network, optimizer, ConfigAfter(history), history, complete: r.Epoch == settings.Epochs));
                }
            }
            try
            {
                if (ui.Interactive)
                {
                    FitWithProgressBars(trainer, train, test, history.Count, AfterEpoch);
                }
                else
                {
                    FitWithLines(trainer, train, test, history.Count, AfterEpoch);
                }
            }
            catch (DivergenceException e)
            {
                commits.Wait(); // a checkpoint taken before the divergence is a good one: let it land
                int? saved = File.Exists(run.ManifestPath) ? run.ReadManifest()!.Epoch : null;
                string hint = DetectAnomaly ? "" : " Lower the learning rate or clip gradients (--clip-norm); --detect-anomaly reruns the step and names the op.";
                string kept = saved is int k
                    ? $" The last good checkpoint (epoch {k}) stays current in {directory}/: evaluate and predict read it."
                    : " Nothing was saved.";
                throw new DivergedRunException($"{e.Message}{hint}{kept}");
            }

            commits.Wait();
            string final = Path.Combine(directory, run.ReadManifest()!.Current);
            RunFiles.Publish(directory, final, history, dataConfig.Name, FaultInjection.Hit);
            if (ui.Interactive)
            {
                // the summary table gathers what the progress bars showed; piped output has the epoch lines already
                ui.Console.Write(Tables.Epochs(history, classes is not null));
            }
            EpochResult last = history[^1];
            double trainSeconds = history.Sum(r => r.Seconds);
            double secondsHere = history.Skip(resumedAt).Sum(r => r.Seconds); // the epochs this process trained, which the saves were part of
            string score = classes is null ? $"test loss {last.TestLoss:F4}" : $"test accuracy {Tables.Percent(last.TestAccuracy, 2)}";
            ui.WriteLine($"Done: {score} after {Count(settings.Epochs, "epoch")} in {trainSeconds:F1} s of training. Saved to {directory}/ " +
                $"({RunFiles.Model}, {RunFiles.Config}, {RunFiles.Metrics}, {RunFiles.Curves}); {Count(commits.Count, "checkpoint")} cost the training loop {commits.Blocked.TotalSeconds:F2} s " +
                $"({100 * commits.Blocked.TotalSeconds / Math.Max(1e-9, secondsHere):F1}% of the training time; written in the background).");
            return 0;
        }
        finally
        {
            commits.Dispose(); // never leave a commit running past the lock
            if (!existed && !File.Exists(run.ManifestPath))
            {
                RemoveIfOnlyLock(directory); // a run that saved nothing leaves no directory behind
            }
        }
    }

    private void PrintHeader(NetworkConfig? spec, MlpConfig? model, DataConfig dataConfig, Dataset train, Dataset test, Augmentation? augmentation, int done)
    {
        string what = spec is null ? $"{string.Join("-", model!.LayerSizes)} {activation} MLP" : $"{spec.Architecture} ({spec.Parameters:N0} parameters)";
        string augmented = augmentation is null ? "" : augmentation.HorizontalFlip ? ", shifts and flips" : ", shifts";
        if (done > 0)
        {
            ui.WriteLine($"Resuming after epoch {done} of {settings.Epochs} from {ResumeFrom}/ (the run's recorded options).");
        }
        ui.WriteLine($"Training {what} on {dataConfig.Name}: {train.Count:N0} train / {test.Count:N0} test examples{augmented}, " +
            $"{Count(settings.Epochs, "epoch")}, batch {settings.BatchSize}, {settings.Optimizer} lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, {Count(settings.Threads, "thread")}.");
        if (settings.LabelSmoothing > 0 && settings.Loss == "cross-entropy")
        {
            ui.WriteLine($"The train loss includes label smoothing {settings.LabelSmoothing.ToString(CultureInfo.InvariantCulture)}; the test loss is plain cross-entropy, as 'evaluate' reports it.");
        }
    }

    private static void RemoveIfOnlyLock(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).All(e => Path.GetFileName(e) == CheckpointDirectory.LockName))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private (Sequential, MlpConfig?, NetworkConfig?) CreateMlp(DataConfig data, int outputs, int? classes)
    {
        var model = new MlpConfig
        {
            Inputs = data.FeatureShape.Aggregate(1, (a, b) => a * b),
            Hidden = hidden,
            Outputs = outputs,
            Activation = activation,
            OutputActivation = outputActivation ?? (settings.Loss == "cross-entropy" || classes is null ? "none" : "sigmoid"),
            Dropout = dropout,
        };
        TrainCommand.Choice(model.OutputActivation, Mlp.OutputActivations, "--output-activation");
        return (Mlp.Create(model, new Generator(settings.Seed)), model, null);
    }

    private (Sequential, MlpConfig?, NetworkConfig?) CreateNetwork(DataConfig data, int outputs, string source)
    {
        string text = Architecture == "cnn" ? NN.Architecture.DefaultCnn(outputs) : Architecture!;
        int[] shape = data.ImageShape is [int h, int w] ? [1, h, w] : [data.FeatureShape.Aggregate(1, (a, b) => a * b)];
        bool spatial = text.Split('-').Any(t => t.StartsWith("conv", StringComparison.Ordinal) || t.Contains("pool", StringComparison.Ordinal) || t is "gap" or "dropout2d");
        if (spatial && data.ImageShape is null)
        {
            throw new UserException($"--arch {Architecture}: {source} has no image shape (each row is {shape[0]} features); convolutions and pooling need images: digits, fashion or an MNIST-format directory.");
        }
        try
        {
            Sequential network = NN.Architecture.Build(text, shape, new Generator(settings.Seed), outputs);
            return (network, null, new NetworkConfig { Architecture = text, InputShape = shape, Parameters = network.Parameters().Sum(p => (long)p.Data.Size) });
        }
        catch (FormatException e)
        {
            throw new UserException($"--arch: {e.Message}");
        }
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private void FitWithLines(Trainer trainer, Dataset train, Dataset test, int startEpoch, Action<EpochResult> afterEpoch) =>
        trainer.Fit(train, test, settings.Epochs, settings.BatchSize, settings.Seed, startEpoch: startEpoch, onEpoch: r =>
        {
            ui.WriteLine(Tables.EpochLine(r, settings.Epochs));
            afterEpoch(r);
        });

    // One row per epoch that fits the terminal (tmux at 80 columns included): a fixed-width description, a bar that
    // takes what is left, the percentage and the elapsed time. The full epoch lines come in the table after.
    private void FitWithProgressBars(Trainer trainer, Dataset train, Dataset test, int startEpoch, Action<EpochResult> afterEpoch)
    {
        int width = ui.Console.Profile.Width;
        int barWidth = Math.Clamp(width - ProgressDescriptionWidth - 5 - 8 - 4, 8, 40);
        ui.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = barWidth }, new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                trainer.Fit(train, test, settings.Epochs, settings.BatchSize, settings.Seed, startEpoch: startEpoch,
                    onBatch: p =>
                    {
                        task ??= context.AddTask($"epoch {p.Epoch}", maxValue: p.Batches);
                        task.Value = p.Batch;
                        string accuracy = double.IsNaN(p.Accuracy) ? "" : $"  acc {Tables.Percent(p.Accuracy, 2),6}";
                        task.Description = Fit($"epoch {p.Epoch,3}/{settings.Epochs}  loss {p.Loss:F4}{accuracy}  {p.SamplesPerSecond,6:N0}/s");
                    },
                    onEpoch: r =>
                    {
                        string score = double.IsNaN(r.TestAccuracy) ? $"test loss {r.TestLoss:F4}" : $"test acc {Tables.Percent(r.TestAccuracy, 2),6}  loss {r.TestLoss:F4}";
                        task!.Description = Fit($"epoch {r.Epoch,3}/{settings.Epochs}  {score}");
                        task.StopTask();
                        task = null;
                        afterEpoch(r);
                    });
            });
    }

    private const int ProgressDescriptionWidth = 46;

    private static string Fit(string text) => Markup.Escape(text.Length > ProgressDescriptionWidth ? text[..ProgressDescriptionWidth] : text.PadRight(ProgressDescriptionWidth));

    private Optimizer CreateOptimizer(IEnumerable<Parameter> parameters) => settings.Optimizer switch
    {
        "sgd" => new Sgd(parameters, settings.LearningRate, weightDecay: settings.WeightDecay),
        "momentum" => new Sgd(parameters, settings.LearningRate, settings.Momentum, weightDecay: settings.WeightDecay),
        "nesterov" => new Sgd(parameters, settings.LearningRate, settings.Momentum, nesterov: true, weightDecay: settings.WeightDecay),
        "adam" => new Adam(parameters, settings.LearningRate, weightDecay: settings.WeightDecay),
        _ => new AdamW(parameters, settings.LearningRate, weightDecay: settings.WeightDecay),
    };

    private LearningRateSchedule CreateSchedule(int totalSteps)
    {
        LearningRateSchedule main = settings.Schedule switch
        {
            "step" => new StepDecay(Math.Max(1, totalSteps / 3), 0.1),
            "cosine" => new CosineDecay(Math.Max(1, totalSteps - settings.WarmupSteps)),
            _ => LearningRateSchedule.Constant,
        };
        return settings.WarmupSteps > 0 ? new LinearWarmup(settings.WarmupSteps, main) : main;
    }
}

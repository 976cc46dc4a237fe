using System.Globalization;
using System.Text;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Training;

namespace ChainRule.Cli;

/// <summary>
/// The files of a run directory. While a run trains, each checkpoint is a folder (checkpoints/epoch-0007/ with
/// model.safetensors, config.json, metrics.csv and training-state.safetensors) committed as a unit by
/// <see cref="CheckpointDirectory"/>: current.json names the current one, and readers go through it. When the run ends,
/// its final model, config and metrics are also published at the top of the directory with curves.png, as before.
/// </summary>
public static class RunFiles
{
    public const string Model = "model.safetensors";
    public const string Config = "config.json";
    public const string Metrics = "metrics.csv";
    public const string Curves = "curves.png";
    public const string Confusion = "confusion.png";
    public const string State = "training-state.safetensors";

    /// <summary>
    /// Everything one checkpoint holds, copied out of the live model and optimizer (a few milliseconds), so it can be
    /// written and flushed to disk on another thread while training goes on.
    /// </summary>
    public sealed record Snapshot(int Epoch, bool Complete, KeyValuePair<string, Tensor>[] Model, Dictionary<string, string> ModelMetadata,
        KeyValuePair<string, Tensor>[] State, string ConfigJson, string MetricsCsv, int Threads);

    /// <summary>Copies the state of the run after <paramref name="results"/>.Count epochs.</summary>
    public static Snapshot Take(Sequential network, Optim.Optimizer optimizer, RunConfig config, IReadOnlyList<EpochResult> results, bool complete)
    {
        var metadata = new Dictionary<string, string> { ["format"] = RunConfig.FormatName, ["config"] = Config };
        if (config.Network is { } n)
        {
            // the spec in the weights file too: Checkpoint.LoadNetwork rebuilds the model from the file alone
            metadata = Checkpoint.NetworkMetadata(n.Architecture, n.InputShape, metadata);
        }
        return new Snapshot(results.Count, complete,
            [.. network.StateTensors().Select(t => KeyValuePair.Create(t.Name, t.Tensor.Clone()))], metadata,
            [.. TrainingState.Tensors(network, optimizer, results).Select(t => KeyValuePair.Create(t.Key, t.Value.Clone()))],
            config.ToJson(), MetricsCsv(results), config.Training.Threads);
    }

    /// <summary>Commits a snapshot as the run's current checkpoint (any thread; one commit at a time); returns its folder.</summary>
    public static string Commit(CheckpointDirectory run, Snapshot snapshot, Action<string>? stage = null) =>
        run.Commit(snapshot.Epoch, snapshot.Complete, folder =>
        {
            Safetensors.Save(Path.Combine(folder, Model), snapshot.Model, snapshot.ModelMetadata);
            stage?.Invoke("model-written"); // a kill here leaves a half-written folder that no manifest names
            AtomicFile.WriteAllText(Path.Combine(folder, Config), snapshot.ConfigJson);
            AtomicFile.WriteAllText(Path.Combine(folder, Metrics), snapshot.MetricsCsv);
            Safetensors.Save(Path.Combine(folder, State), snapshot.State,
                new Dictionary<string, string> { ["threads"] = snapshot.Threads.ToString(CultureInfo.InvariantCulture) });
        });

    /// <summary>
    /// Publishes a finished run's final checkpoint at the top of its directory (model.safetensors, config.json and
    /// metrics.csv copied, curves.png drawn), each file atomically. Readers still go through current.json, so a kill
    /// between these files leaves nothing that is misread, and a resume publishes them again.
    /// </summary>
    public static void Publish(string directory, string checkpoint, IReadOnlyList<EpochResult> results, string dataName, Action<string>? stage = null)
    {
        foreach (string name in new[] { Model, Config, Metrics })
        {
            AtomicFile.Write(Path.Combine(directory, name), target =>
            {
                using FileStream source = File.OpenRead(Path.Combine(checkpoint, name));
                source.CopyTo(target);
            });
            stage?.Invoke($"published-{name}");
        }
        AtomicFile.WriteAllBytes(Path.Combine(directory, Curves), Charts.Curves(results, dataName));
        // an earlier model's evaluation would otherwise sit beside the new weights as if it were theirs
        File.Delete(Path.Combine(directory, Confusion));
    }

    /// <summary>
    /// The folder a run directory's model is read from: the current checkpoint when current.json exists (a run that
    /// is training, was interrupted, or finished), else the directory itself (a run written before checkpoints).
    /// </summary>
    public static string CurrentFolder(string directory)
    {
        try
        {
            return new CheckpointDirectory(directory).CurrentFolder ?? directory;
        }
        catch (InvalidDataException e)
        {
            throw new UserException(e.Message);
        }
    }

    /// <summary>Rebuilds the model a directory describes and loads its weights.</summary>
    public static (Sequential Network, RunConfig Config) Load(string directory) => Load(directory, out _);

    /// <summary>As <see cref="Load(string)"/>, and the folder its files were read from.</summary>
    public static (Sequential Network, RunConfig Config) Load(string directory, out string folder)
    {
        if (!Directory.Exists(directory))
        {
            throw new UserException($"--model '{directory}': no such directory (train one with 'chainrule train --out {directory}').");
        }
        folder = CurrentFolder(directory);
        string configPath = Path.Combine(folder, Config);
        if (!File.Exists(configPath))
        {
            throw new UserException($"{configPath}: missing; --model must be a directory written by 'chainrule train'.");
        }
        RunConfig config;
        try
        {
            config = RunConfig.FromJson(File.ReadAllText(configPath), configPath);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UserException($"{configPath}: not a valid model configuration: {Describe(e)}");
        }
        string modelPath = Path.Combine(folder, Model);
        if (!File.Exists(modelPath))
        {
            throw new UserException($"{modelPath}: missing; {folder} has {Config} but not the weights it describes.");
        }
        CheckModelFitsItsFile(config, configPath, modelPath);
        Sequential network = config.Network is { } n
            ? Architecture.Build(n.Architecture, n.InputShape, new Generator(config.Training.Seed))
            : Mlp.Create(config.Model!, new Generator(config.Training.Seed));
        Checkpoint.Load(network, modelPath);
        foreach ((string name, Parameter p) in network.NamedParameters())
        {
            if (!p.Data.IsFinite())
            {
                throw new UserException($"{modelPath}: parameter '{name}' {p.Shape} holds NaN or infinite values (the run that wrote it diverged); retrain with a lower learning rate.");
            }
        }
        network.Eval();
        return (network, config);
    }

    // The JSON reader's error in the user's terms: where (JSON path and line) and what, without .NET type names.
    private static string Describe(System.Text.Json.JsonException e)
    {
        string where = e.Path is null ? "" : $"'{e.Path.TrimStart('$', '.')}'";
        string line = e.LineNumber is long l ? $" (line {l + 1})" : "";
        if (e.Message.Contains("doesn't allow setting null values", StringComparison.Ordinal))
        {
            return $"{where}{line} is null, but a value is required.";
        }
        if (e.Path is null || e.Path == "$")
        {
            return $"malformed JSON{line}.";
        }
        return $"{where}{line} is malformed or of the wrong type.";
    }

    // Before building the model config.json describes: its parameters (4 bytes each at least) must roughly fit in the
    // weights file, so an edited "hidden": [40000, 40000] is refused in a line instead of allocating 12 GB first.
    private static void CheckModelFitsItsFile(RunConfig config, string configPath, string modelPath)
    {
        long parameters = config.Network is { } n ? SpecParameters(n, configPath) : MlpParameters(config.Model!, configPath);
        if (!File.Exists(modelPath))
        {
            return; // Checkpoint.Load reports the missing file
        }
        long bytes = new FileInfo(modelPath).Length;
        // NOTE: only a gross excess is refused here (more than twice the file plus 16 MB): a near miss is built and
        // then listed tensor by tensor by Checkpoint.Load, which says more.
        if (parameters * 4 > (2 * bytes) + (16 << 20))
        {
            throw new UserException($"{configPath}: the model {config.Description} has {parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters, "
                + $"more than {modelPath} ({bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes) can hold; config.json and the weights do not belong together.");
        }
    }

    private static long MlpParameters(MlpConfig m, string configPath)
    {
        if (m.Inputs < 1 || m.Outputs < 1 || m.Hidden.Any(h => h < 1))
        {
            throw new UserException($"{configPath}: layer sizes {string.Join("-", m.LayerSizes)} must all be at least 1.");
        }
        // the rest of what Mlp.Create would refuse, said about the file
        if (!Mlp.Activations.Contains(m.Activation) || !Mlp.OutputActivations.Contains(m.OutputActivation) || m.Dropout is not (>= 0 and < 1))
        {
            throw new UserException($"{configPath}: 'model' has activation '{m.Activation}', output activation '{m.OutputActivation}' and dropout {m.Dropout}; "
                + $"the activations are {string.Join(", ", Mlp.Activations)}, the output activations {string.Join(", ", Mlp.OutputActivations)}, and dropout is in [0, 1).");
        }
        int[] sizes = [.. m.LayerSizes];
        long parameters = 0;
        for (int i = 1; i < sizes.Length; i++)
        {
            parameters += ((long)sizes[i - 1] + 1) * sizes[i];
        }
        return parameters;
    }

    private static long SpecParameters(NetworkConfig n, string configPath)
    {
        try
        {
            return Architecture.ParameterCount(n.Architecture, n.InputShape);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UserException($"{configPath}: 'network': {e.Message}");
        }
    }

    /// <summary>One row per epoch; numbers in invariant culture, NaN where a metric does not apply.</summary>
    public static string MetricsCsv(IReadOnlyList<EpochResult> results)
    {
        var csv = new StringBuilder("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,samples_per_second,learning_rate\n");
        foreach (EpochResult r in results)
        {
            csv.AppendLine(string.Join(',', new[] { r.Epoch, r.TrainLoss, r.TrainAccuracy, r.TestLoss, r.TestAccuracy, r.Seconds, r.SamplesPerSecond, r.LearningRate }
                .Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
        return csv.ToString();
    }
}

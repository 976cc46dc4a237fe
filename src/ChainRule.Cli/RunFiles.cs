using System.Globalization;
using System.Text;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Training;

namespace ChainRule.Cli;

/// <summary>The files of a trained model's directory; every one written atomically.</summary>
public static class RunFiles
{
    public const string Model = "model.safetensors";
    public const string Config = "config.json";
    public const string Metrics = "metrics.csv";
    public const string Curves = "curves.png";
    public const string Confusion = "confusion.png";

    public static void Save(string directory, Module network, RunConfig config, IReadOnlyList<EpochResult> results)
    {
        Checkpoint.Save(network, Path.Combine(directory, Model), new Dictionary<string, string> { ["format"] = RunConfig.FormatName, ["config"] = Config });
        AtomicFile.WriteAllText(Path.Combine(directory, Config), config.ToJson());
        AtomicFile.WriteAllText(Path.Combine(directory, Metrics), MetricsCsv(results));
        AtomicFile.WriteAllBytes(Path.Combine(directory, Curves), Charts.Curves(results, config.Data.Name));
    }

    /// <summary>Rebuilds the model a directory describes and loads its weights.</summary>
    public static (Sequential Network, RunConfig Config) Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new UserException($"--model '{directory}': no such directory (train one with 'chainrule train --out {directory}').");
        }
        string configPath = Path.Combine(directory, Config);
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
            throw new UserException($"{configPath}: not a valid model configuration: {e.Message}");
        }
        Sequential network = Mlp.Create(config.Model, new Generator(config.Training.Seed));
        string modelPath = Path.Combine(directory, Model);
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

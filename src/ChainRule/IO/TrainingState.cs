using System.Globalization;
using ChainRule.NN;
using ChainRule.Optim;
using ChainRule.Training;

namespace ChainRule.IO;

/// <summary>
/// What continuing a run exactly needs besides the model's weights and buffers (<see cref="Checkpoint"/>), in one
/// safetensors file: the optimizer's state dict ("optimizer.step_count", "optimizer.0.exp_avg", ...,
/// "optimizer.param_groups.0.lr": <see cref="OptimizerStateDict.ToTensors"/>, the format of
/// <see cref="Checkpoint.SaveOptimizer"/>; files from before the hyperparameters were recorded still load), the state of
/// every random generator the model draws from ("generator.2.generator", Int64[6]: xoshiro's bits) and the epochs
/// so far ("history", Float64 (epochs, 8): the columns of <see cref="EpochResult"/>). The learning-rate schedule is
/// a function of the step count and the data loader's order a function of (seed, epoch), so nothing else is needed:
/// model + this file at the end of epoch k, resumed at epoch k + 1, continue bit for bit (same thread count).
/// </summary>
public static class TrainingState
{
    private const string OptimizerPrefix = "optimizer.", GeneratorPrefix = "generator.", History = "history";

    /// <summary>Writes the state atomically (temp file + rename, flushed to disk).</summary>
    public static void Save(string path, Module model, Optimizer optimizer, IReadOnlyList<EpochResult> history, IReadOnlyDictionary<string, string>? metadata = null) =>
        Safetensors.Save(path, Tensors(model, optimizer, history), metadata);

    /// <summary>
    /// The tensors <see cref="Save"/> writes, by name. Optimizer state tensors are the optimizer's own (copy them to
    /// write them while training goes on); the generator states and the history are new.
    /// </summary>
    public static List<KeyValuePair<string, Tensor>> Tensors(Module model, Optimizer optimizer, IReadOnlyList<EpochResult> history)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(history);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach ((string name, Tensor t) in optimizer.StateDict().ToTensors())
        {
            tensors.Add(KeyValuePair.Create(OptimizerPrefix + name, t));
        }
        foreach ((string name, Generator g) in model.NamedGenerators())
        {
            long[] bits = [.. g.GetState().Select(u => unchecked((long)u))];
            tensors.Add(KeyValuePair.Create(GeneratorPrefix + name, Tensor.FromArray(bits, new Shape(bits.Length))));
        }
        var rows = new double[history.Count * EpochColumns];
        for (int i = 0; i < history.Count; i++)
        {
            EpochResult r = history[i];
            double[] row = [r.Epoch, r.TrainLoss, r.TrainAccuracy, r.TestLoss, r.TestAccuracy, r.Seconds, r.SamplesPerSecond, r.LearningRate];
            row.CopyTo(rows, i * EpochColumns);
        }
        tensors.Add(KeyValuePair.Create(History, Tensor.FromArray(rows, new Shape(history.Count, EpochColumns))));
        return tensors;
    }

    /// <summary>
    /// Restores the optimizer's and the model's generators' state and returns the epochs so far and the file's metadata.
    /// Everything is checked before anything changes.
    /// </summary>
    /// <exception cref="InvalidDataException">The file does not belong to this model and optimizer (every problem listed, with the file's name).</exception>
    public static (IReadOnlyList<EpochResult> History, IReadOnlyDictionary<string, string> Metadata) Load(string path, Module model, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        SafetensorsFile file = Safetensors.Load(path);
        var optimizerState = new List<KeyValuePair<string, Tensor>>();
        var generators = new Dictionary<string, Tensor>();
        Tensor? history = null;
        var problems = new List<string>();
        foreach ((string name, Tensor t) in file.Tensors)
        {
            if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                optimizerState.Add(KeyValuePair.Create(name[OptimizerPrefix.Length..], t));
            }
            else if (name.StartsWith(GeneratorPrefix, StringComparison.Ordinal))
            {
                generators[name[GeneratorPrefix.Length..]] = t;
            }
            else if (name == History)
            {
                history = t;
            }
            else
            {
                problems.Add($"unexpected '{name}'");
            }
        }
        var restore = new List<(Generator Generator, ulong[] State)>();
        foreach ((string name, Generator g) in model.NamedGenerators())
        {
            if (!generators.Remove(name, out Tensor? t))
            {
                problems.Add($"missing '{GeneratorPrefix}{name}'");
            }
            else if (t.DType != DType.Int64 || t.Shape != new Shape(Generator.StateLength))
            {
                problems.Add($"'{GeneratorPrefix}{name}' is {t.DType.Name()} {t.Shape}, not Int64 ({Generator.StateLength})");
            }
            else
            {
                ulong[] state = [.. t.ToArray<long>().Select(v => unchecked((ulong)v))];
                try
                {
                    new Generator(0).SetState(state); // validates without touching the model's generator
                    restore.Add((g, state));
                }
                catch (ArgumentException e)
                {
                    problems.Add($"'{GeneratorPrefix}{name}': {e.Message}");
                }
            }
        }
        problems.AddRange(generators.Keys.Select(name => $"unexpected '{GeneratorPrefix}{name}' (the model has no such generator)"));
        if (history is null || history.DType != DType.Float64 || history.Rank != 2 || history.Shape[1] != EpochColumns)
        {
            problems.Add($"'{History}' must be Float64 (epochs, {EpochColumns}){(history is null ? ", and is missing" : $", is {history.DType.Name()} {history.Shape}")}");
        }
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{path}: training state does not fit the model: {string.Join("; ", problems)}.");
        }
        try
        {
            optimizer.LoadStateDict(OptimizerStateDict.FromTensors(optimizerState));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        foreach ((Generator g, ulong[] state) in restore)
        {
            g.SetState(state);
        }
        return (ReadHistory(history!, path), file.Metadata);
    }

    private const int EpochColumns = 8;

    private static EpochResult[] ReadHistory(Tensor history, string path)
    {
        double[] v = history.ToArray<double>();
        var results = new EpochResult[history.Shape[0]];
        for (int i = 0; i < results.Length; i++)
        {
            int o = i * EpochColumns;
            if (v[o] != i + 1)
            {
                throw new InvalidDataException($"{path}: 'history' row {i} is epoch {v[o].ToString(CultureInfo.InvariantCulture)}, expected {i + 1}.");
            }
            results[i] = new EpochResult(i + 1, v[o + 1], v[o + 2], v[o + 3], v[o + 4], v[o + 5], v[o + 6], v[o + 7]);
        }
        return results;
    }
}

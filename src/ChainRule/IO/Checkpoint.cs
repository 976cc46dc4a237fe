using ChainRule.NN;

namespace ChainRule.IO;

/// <summary>
/// A model's parameters and buffers in a safetensors file, by their dotted names ("0.weight", "0.bias",
/// "1.running_mean", "1.num_batches_tracked", ...) and in PyTorch's state_dict order, so PyTorch
/// (safetensors.torch.load_file) reads ChainRule's weights and the other way round. Written atomically.
/// </summary>
public static class Checkpoint
{
    /// <summary>Writes every named parameter and buffer of <paramref name="model"/>, each in its own dtype.</summary>
    public static void Save(Module model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Safetensors.Save(path, model.StateTensors().Select(t => KeyValuePair.Create(t.Name, t.Tensor)).ToArray(), metadata);
    }

    /// <summary>
    /// Copies the file's tensors into the model's parameters, in place. Names, shapes and types must match
    /// exactly; otherwise nothing is changed and the error lists every difference.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint does not fit the model.</exception>
    public static void Load(Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        SafetensorsFile file = Safetensors.Load(path);
        var stored = file.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value);
        var problems = new List<string>();
        var parameters = model.StateTensors().ToArray();
        foreach ((string name, Tensor p) in parameters)
        {
            if (!stored.TryGetValue(name, out Tensor? t))
            {
                problems.Add($"missing '{name}' {p.Shape}");
            }
            else if (t.Shape != p.Shape)
            {
                problems.Add($"'{name}' has shape {t.Shape} in the file but {p.Shape} in the model");
            }
            else if (t.DType != p.DType)
            {
                problems.Add($"'{name}' is {t.DType.Name()} in the file but {p.DType.Name()} in the model");
            }
        }
        foreach (string name in stored.Keys.Except(parameters.Select(np => np.Name)))
        {
            problems.Add($"unexpected '{name}' {stored[name].Shape}");
        }
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{path}: checkpoint does not fit the model: {string.Join("; ", problems)}.");
        }
        foreach ((string name, Tensor p) in parameters)
        {
            p.CopyFrom(stored[name]);
        }
    }
}

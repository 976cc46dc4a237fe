using ChainRule.NN;
using ChainRule.Optim;

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
    /// Copies the file's tensors into the model's parameters and buffers, in place, through
    /// <see cref="Module.LoadStateDict"/>: shapes and types must match, and (strict) the names exactly; otherwise
    /// nothing is changed and the error lists every difference. A PyTorch model's <c>state_dict()</c> saved with
    /// safetensors loads directly when the layers line up (see <see cref="Architecture"/> for the names).
    /// </summary>
    /// <returns>The names that did not match (empty when strict).</returns>
    /// <exception cref="InvalidDataException">The checkpoint does not fit the model.</exception>
    public static StateDictKeys Load(Module model, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        SafetensorsFile file = Safetensors.Load(path);
        var stored = new OrderedDictionary<string, Tensor>(file.Tensors);
        return model.CopyState(stored, strict, "the file", $"{path}: checkpoint");
    }

    /// <summary>
    /// Writes an optimizer's <see cref="Optimizer.StateDict"/> as <see cref="OptimizerStateDict.ToTensors"/> names it
    /// ("step_count", "0.exp_avg", ..., "param_groups.0.lr", ...): the format training-state.safetensors holds under "optimizer.".
    /// </summary>
    public static void SaveOptimizer(Optimizer optimizer, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Safetensors.Save(path, [.. optimizer.StateDict().ToTensors()], metadata);
    }

    /// <summary>Restores an optimizer's state from a file <see cref="SaveOptimizer"/> wrote (or PyTorch's, flattened the same way).</summary>
    /// <exception cref="InvalidDataException">The state does not fit the optimizer (every problem listed, with the file's name).</exception>
    public static void LoadOptimizer(Optimizer optimizer, string path)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        SafetensorsFile file = Safetensors.Load(path);
        try
        {
            optimizer.LoadStateDict(OptimizerStateDict.FromTensors(file.Tensors));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The metadata keys under which <see cref="Save(Sequential, string, string, int[], IReadOnlyDictionary{string, string})"/> records an architecture.</summary>
    public const string ArchitectureKey = "architecture", InputShapeKey = "input_shape";

    /// <summary>
    /// Saves a network built by <see cref="Architecture.Build"/> with its spec and input shape in the file's metadata,
    /// so <see cref="LoadNetwork"/> rebuilds it from the file alone.
    /// </summary>
    public static void Save(Sequential network, string path, string architecture, int[] inputShape, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Save(network, path, NetworkMetadata(architecture, inputShape, metadata));
    }

    /// <summary>
    /// <paramref name="metadata"/> plus the spec and input shape under <see cref="ArchitectureKey"/> and
    /// <see cref="InputShapeKey"/>: what <see cref="LoadNetwork"/> reads (for writers that save tensors copied out of a model).
    /// </summary>
    public static Dictionary<string, string> NetworkMetadata(string architecture, int[] inputShape, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(inputShape);
        return new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            [ArchitectureKey] = architecture,
            [InputShapeKey] = string.Join(",", inputShape),
        };
    }

    /// <summary>
    /// Rebuilds the network a checkpoint written by <see cref="Save(Sequential, string, string, int[], IReadOnlyDictionary{string, string})"/> describes and
    /// loads its weights, in evaluation mode. The spec's parameter count is compared with the file's tensors before
    /// anything is built, so an edited spec cannot allocate more than the file holds.
    /// </summary>
    /// <exception cref="InvalidDataException">No architecture in the metadata, a spec that does not parse, or weights that do not fit.</exception>
    public static Sequential LoadNetwork(string path)
    {
        SafetensorsFile file = Safetensors.Load(path);
        if (!file.Metadata.TryGetValue(ArchitectureKey, out string? spec) || !file.Metadata.TryGetValue(InputShapeKey, out string? shapeText))
        {
            throw new InvalidDataException($"{path}: no '{ArchitectureKey}' and '{InputShapeKey}' in its metadata; build the model in code and use Checkpoint.Load(model, path).");
        }
        int[] shape;
        long parameters;
        try
        {
            shape = [.. shapeText.Split(',').Select(t => int.Parse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture))];
            parameters = Architecture.ParameterCount(spec, shape);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: its metadata's architecture '{spec}' for inputs ({shapeText}) is not valid: {e.Message}");
        }
        long stored = file.Tensors.Where(kv => kv.Value.DType.IsFloatingPoint()).Sum(kv => (long)kv.Value.Size);
        if (parameters > stored)
        {
            throw new InvalidDataException($"{path}: the architecture '{spec}' has {parameters:N0} parameters, but the file holds {stored:N0} values.");
        }
        Sequential network = Architecture.Build(spec, shape, new Generator(0));
        Load(network, path);
        network.Eval();
        return network;
    }
}

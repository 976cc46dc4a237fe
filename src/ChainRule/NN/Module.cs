namespace ChainRule.NN;

/// <summary>
/// A piece of a network: a function of one Variable with learnable parameters (micrograd's Module).
/// </summary>
/// <remarks>
/// Parameters are declared explicitly, with no reflection: a layer lists its own in
/// <see cref="OwnParameters"/> (<c>[("weight", Weight), ("bias", Bias)]</c>), a container lists its
/// sub-modules in <see cref="Children"/>; names compose with dots, as in PyTorch ("0.weight", "1.bias").
/// Buffers (<see cref="OwnBuffers"/>) are state that is saved but not learned, such as BatchNorm's running
/// statistics: they are updated in place, so the tensors listed are the module's own.
/// </remarks>
public abstract class Module
{
    /// <summary>True in training mode (the default), false in evaluation mode (Dropout is off).</summary>
    public bool Training { get; private set; } = true;

    public abstract Variable Forward(Variable x);

    /// <summary>This module's own parameters with their local names.</summary>
    protected virtual IEnumerable<(string Name, Parameter Parameter)> OwnParameters() => [];

    /// <summary>This module's own buffers with their local names (PyTorch's register_buffer).</summary>
    protected virtual IEnumerable<(string Name, Tensor Buffer)> OwnBuffers() => [];

    /// <summary>The random generators this module draws from while training (Dropout's masks), with local names.</summary>
    protected virtual IEnumerable<(string Name, Generator Generator)> OwnGenerators() => [];

    /// <summary>
    /// Every generator of this module and its descendants, with dotted names ("2.generator"): the state a resumed
    /// run must restore besides parameters and buffers. Layers may share one generator; it is listed under each name.
    /// </summary>
    public IEnumerable<(string Name, Generator Generator)> NamedGenerators()
    {
        foreach ((string name, Generator g) in OwnGenerators())
        {
            yield return (name, g);
        }
        foreach ((string prefix, Module child) in Children())
        {
            foreach ((string name, Generator g) in child.NamedGenerators())
            {
                yield return ($"{prefix}.{name}", g);
            }
        }
    }

    /// <summary>Sub-modules with their names.</summary>
    public virtual IEnumerable<(string Name, Module Module)> Children() => [];

    /// <summary>Every parameter of this module and its descendants, with dotted names, in a fixed order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach ((string name, Parameter p) in OwnParameters())
        {
            yield return (name, p);
        }
        foreach ((string prefix, Module child) in Children())
        {
            foreach ((string name, Parameter p) in child.NamedParameters())
            {
                yield return ($"{prefix}.{name}", p);
            }
        }
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(np => np.Parameter);

    /// <summary>Every buffer of this module and its descendants, with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach ((string name, Tensor b) in OwnBuffers())
        {
            yield return (name, b);
        }
        foreach ((string prefix, Module child) in Children())
        {
            foreach ((string name, Tensor b) in child.NamedBuffers())
            {
                yield return ($"{prefix}.{name}", b);
            }
        }
    }

    /// <summary>
    /// What a checkpoint holds, in PyTorch's state_dict order: each module's parameters, then its buffers, then
    /// its children's, depth first.
    /// </summary>
    public IEnumerable<(string Name, Tensor Tensor)> StateTensors()
    {
        foreach ((string name, Parameter p) in OwnParameters())
        {
            yield return (name, p.Data);
        }
        foreach ((string name, Tensor b) in OwnBuffers())
        {
            yield return (name, b);
        }
        foreach ((string prefix, Module child) in Children())
        {
            foreach ((string name, Tensor t) in child.StateTensors())
            {
                yield return ($"{prefix}.{name}", t);
            }
        }
    }

    /// <summary>
    /// This module's state as PyTorch's <c>state_dict()</c>: the tensors of <see cref="StateTensors"/> by name, in that
    /// order. They are the module's own tensors, not copies (PyTorch's share storage with the parameters too): training
    /// changes them, so Clone them to keep a snapshot.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>();
        foreach ((string name, Tensor t) in StateTensors())
        {
            state.Add(name, t);
        }
        return state;
    }

    /// <summary>
    /// Copies <paramref name="state"/> into this module's parameters and buffers, in place (PyTorch's
    /// <c>load_state_dict</c>). Every tensor given must have the shape and dtype of the model's tensor of that name;
    /// with <paramref name="strict"/>, the names must also be exactly the model's. Everything is checked first: on
    /// any problem nothing changes and the message lists every one.
    /// </summary>
    /// <returns>The model's names the state did not give and the state's names the model does not have (empty when strict).</returns>
    /// <exception cref="InvalidDataException">A shape or dtype differs, or (strict) a name is missing or unexpected.</exception>
    public StateDictKeys LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true) =>
        CopyState(state, strict, "the state dict", "state dict");

    // source names where the tensors come from in each problem, heading starts the message ("model.safetensors: checkpoint").
    internal StateDictKeys CopyState(IReadOnlyDictionary<string, Tensor> state, bool strict, string source, string heading)
    {
        ArgumentNullException.ThrowIfNull(state);
        var problems = new List<string>();
        var missing = new List<string>();
        var copies = new List<(Tensor Target, Tensor Source)>();
        var own = StateTensors().ToArray();
        foreach ((string name, Tensor target) in own)
        {
            if (!state.TryGetValue(name, out Tensor? t))
            {
                missing.Add(name);
                if (strict)
                {
                    problems.Add($"missing '{name}' {target.Shape}");
                }
            }
            else if (t.Shape != target.Shape)
            {
                problems.Add($"'{name}' has shape {t.Shape} in {source} but {target.Shape} in the model");
            }
            else if (t.DType != target.DType)
            {
                problems.Add($"'{name}' is {t.DType.Name()} in {source} but {target.DType.Name()} in the model");
            }
            else
            {
                copies.Add((target, t));
            }
        }
        var names = own.Select(t => t.Name).ToHashSet();
        string[] unexpected = [.. state.Keys.Where(name => !names.Contains(name))];
        if (strict)
        {
            problems.AddRange(unexpected.Select(name => $"unexpected '{name}' {state[name].Shape}"));
        }
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{heading} does not fit the model: {string.Join("; ", problems)}.");
        }
        foreach ((Tensor target, Tensor t) in copies)
        {
            target.CopyFrom(t);
        }
        return new StateDictKeys(missing, unexpected);
    }

    /// <summary>Clears the gradient of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (Parameter p in Parameters())
        {
            p.ClearGrad();
        }
    }

    /// <summary>Switches this module and its descendants to training (true) or evaluation (false) mode.</summary>
    public void Train(bool training = true)
    {
        Training = training;
        foreach ((_, Module child) in Children())
        {
            child.Train(training);
        }
    }

    public void Eval() => Train(false);

    /// <summary>
    /// Inference: the output for <paramref name="x"/> in evaluation mode (Dropout off, BatchNorm's running statistics)
    /// and without recording a graph; the module's mode is restored afterwards. The result is a plain tensor.
    /// </summary>
    public Tensor Predict(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        bool training = Training;
        if (training)
        {
            Eval();
        }
        try
        {
            using (Autograd.NoGrad())
            {
                return Forward(x).Data;
            }
        }
        finally
        {
            if (training)
            {
                Train();
            }
        }
    }
}

/// <summary>What <see cref="Module.LoadStateDict"/> did not match: the model's names absent from the state, the state's names absent from the model.</summary>
public sealed record StateDictKeys(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

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
}

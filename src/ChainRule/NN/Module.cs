namespace ChainRule.NN;

/// <summary>
/// A piece of a network: a function of one Variable with learnable parameters (micrograd's Module).
/// </summary>
/// <remarks>
/// Parameters are declared explicitly, with no reflection: a layer lists its own in
/// <see cref="OwnParameters"/> (<c>[("weight", Weight), ("bias", Bias)]</c>), a container lists its
/// sub-modules in <see cref="Children"/>; names compose with dots, as in PyTorch ("0.weight", "1.bias").
/// </remarks>
public abstract class Module
{
    /// <summary>True in training mode (the default), false in evaluation mode (Dropout is off).</summary>
    public bool Training { get; private set; } = true;

    public abstract Variable Forward(Variable x);

    /// <summary>This module's own parameters with their local names.</summary>
    protected virtual IEnumerable<(string Name, Parameter Parameter)> OwnParameters() => [];

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

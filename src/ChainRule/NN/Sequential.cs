namespace ChainRule.NN;

/// <summary>Modules applied one after another; the children are named "0", "1", ...</summary>
public sealed class Sequential(params Module[] layers) : Module
{
    public IReadOnlyList<Module> Layers { get; } = layers;

    public override Variable Forward(Variable x)
    {
        foreach (Module layer in Layers)
        {
            x = layer.Forward(x);
        }
        return x;
    }

    public override IEnumerable<(string Name, Module Module)> Children() =>
        Layers.Select((layer, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));

    public override string ToString() => "Sequential(" + string.Join(", ", Layers) + ")";
}

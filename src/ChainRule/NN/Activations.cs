namespace ChainRule.NN;

// Activation layers: parameter-free wrappers of the F functions, so they can sit in a Sequential.

public sealed class Sigmoid : Module
{
    public override Variable Forward(Variable x) => F.Sigmoid(x);
    public override string ToString() => "Sigmoid";
}

public sealed class Tanh : Module
{
    public override Variable Forward(Variable x) => F.Tanh(x);
    public override string ToString() => "Tanh";
}

public sealed class Relu : Module
{
    public override Variable Forward(Variable x) => F.Relu(x);
    public override string ToString() => "Relu";
}

public sealed class LeakyRelu(double slope = 0.01) : Module
{
    public double Slope { get; } = slope;
    public override Variable Forward(Variable x) => F.LeakyRelu(x, Slope);
    public override string ToString() => $"LeakyRelu({Slope})";
}

public sealed class Gelu : Module
{
    public override Variable Forward(Variable x) => F.Gelu(x);
    public override string ToString() => "Gelu";
}

/// <summary>(batch, ...) -> (batch, product of the rest).</summary>
public sealed class Flatten : Module
{
    public override Variable Forward(Variable x) => x.Rank <= 2 ? x : F.Reshape(x, x.Shape[0], -1);
    public override string ToString() => "Flatten";
}

/// <summary>nn.Unflatten(1, shape): (batch, ...) -> (batch, shape...), e.g. flat 784-pixel rows to (batch, 1, 28, 28).</summary>
public sealed class Unflatten : Module
{
    private readonly int[] _shape;

    public Unflatten(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        _shape = [.. shape];
    }

    public IReadOnlyList<int> Shape => _shape;

    public override Variable Forward(Variable x)
    {
        long size = _shape.Aggregate(1L, (a, b) => a * b);
        if (x.Rank == 0 || x.Size != x.Shape[0] * size)
        {
            throw new ArgumentException($"{this}: input {x.Shape} does not hold {size} values per example.");
        }
        return x.Rank == _shape.Length + 1 && x.Shape.Dims[1..].SequenceEqual(_shape) ? x : F.Reshape(x, [x.Shape[0], .. _shape]);
    }

    public override string ToString() => $"Unflatten({string.Join(", ", _shape)})";
}

/// <summary>
/// In training, zeroes each element with probability p and scales the rest by 1 / (1 - p) (inverted dropout);
/// in evaluation, the identity. The mask comes from the given generator, so a seed reproduces a run.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator _generator;

    public Dropout(double p, Generator generator)
    {
        if (p is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: p must be in [0, 1).");
        }
        P = p;
        _generator = generator ?? throw new ArgumentNullException(nameof(generator));
    }

    public double P { get; }

    public override Variable Forward(Variable x)
    {
        if (!Training || P == 0)
        {
            return x;
        }
        Tensor keep = Tensor.GreaterEqual(Tensor.RandomUniform(x.Shape, 0, 1, _generator, x.DType), Tensor.Scalar(P, x.DType)).To(x.DType);
        return x * (keep / (1 - P));
    }

    protected override IEnumerable<(string Name, Generator Generator)> OwnGenerators() => [("generator", _generator)];

    public override string ToString() => $"Dropout({P})";
}

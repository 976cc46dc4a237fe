namespace ChainRule.NN;

/// <summary>
/// A fully connected layer: y = x W^T + b, with x (batch, inFeatures), W (outFeatures, inFeatures) and
/// b (outFeatures), the layout of PyTorch's nn.Linear so checkpoints interoperate. Leading axes of x beyond
/// one batch axis are kept: (..., inFeatures) -> (..., outFeatures).
/// </summary>
/// <remarks>
/// An optional fixed connectivity mask (outFeatures, inFeatures) of zeros and ones (MISSION 2.5) keeps absent
/// connections absent: the layer computes with W * mask, so their weights start at zero, receive exactly zero
/// gradient, and therefore stay zero under every optimizer here.
/// </remarks>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, Generator generator, InitScheme init = InitScheme.Glorot, bool bias = true, Tensor? mask = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentNullException.ThrowIfNull(generator);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Tensor w = Init.Weight(outFeatures, inFeatures, init, generator);
        if (mask is not null)
        {
            if (mask.Shape != w.Shape)
            {
                throw new ArgumentException($"Linear: mask shape {mask.Shape} differs from the weight shape {w.Shape}.", nameof(mask));
            }
            Mask = mask.To(DType.Float32).Contiguous();
            w *= Mask;
        }
        Weight = new Parameter(w, "weight");
        Bias = bias ? new Parameter(Init.Bias(outFeatures, inFeatures, init, generator), "bias") : null;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    /// <summary>The fixed connectivity mask, or null for a dense layer.</summary>
    public Tensor? Mask { get; }

    public override Variable Forward(Variable x)
    {
        if (x.Rank == 0 || x.Shape[-1] != InFeatures)
        {
            throw new ArgumentException($"Linear({InFeatures} -> {OutFeatures}): input shape {x.Shape} should end in {InFeatures}.");
        }
        Variable w = Mask is null ? Weight : Weight * Mask;
        if (x.Rank == 2)
        {
            return F.Linear(x, w, Bias);
        }
        Variable flat = F.Reshape(x, -1, InFeatures);
        return F.Reshape(F.Linear(flat, w, Bias), [.. x.Shape.Dims[..^1], OutFeatures]);
    }

    protected override IEnumerable<(string Name, Parameter Parameter)> OwnParameters() =>
        Bias is null ? [("weight", Weight)] : [("weight", Weight), ("bias", Bias)];

    public override string ToString() => $"Linear({InFeatures} -> {OutFeatures}{(Bias is null ? ", no bias" : "")}{(Mask is null ? "" : ", masked")})";
}

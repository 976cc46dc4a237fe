namespace ChainRule;

/// <summary>
/// A node of the computational graph that holds a value: its <see cref="Data"/>, its gradient
/// <see cref="Grad"/> after a backward pass, and the <see cref="Creator"/> Function that produced it
/// (null for leaves: inputs and parameters).
/// </summary>
/// <remarks>
/// <c>new Variable(tensor)</c> requires a gradient by default, like the notes' variables; a Tensor converted
/// implicitly (a data batch passed where a Variable is expected) and the C# scalars in <c>2 * x</c> are
/// constants that do not. Gradients accumulate in <see cref="Grad"/> across backward passes until
/// <see cref="ClearGrad"/>; non-leaf Variables keep theirs only after <see cref="RetainGrad"/>.
/// </remarks>
public partial class Variable
{
    /// <param name="data">The value.</param>
    /// <param name="requiresGrad">Whether gradients flow to this Variable; by default true for floating-point data and false for
    /// integer and bool data, which never require a gradient (asking for one is refused, as in PyTorch).</param>
    /// <param name="name">A name for printing and explanations.</param>
    public Variable(Tensor data, bool? requiresGrad = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (requiresGrad == true && !data.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"only floating-point Variables can require a gradient; this one is {data.DType.Name()} (shape {data.Shape}). Pass requiresGrad: false, or convert with .To(DType.Float32).", nameof(requiresGrad));
        }
        _data = data;
        RequiresGrad = requiresGrad ?? data.DType.IsFloatingPoint();
        Name = name;
    }

    /// <summary>The value. Optimizers update it in place.</summary>
    /// <remarks>A tensor assigned here (a parameter's new value) outlives the <see cref="StepScope"/> it was computed in.</remarks>
    public Tensor Data
    {
        get => _data;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.KeepBeyondStep();
            _data = value;
        }
    }

    private Tensor _data;

    /// <summary>dL/d(this) after Backward; null before. A Variable, so it can be differentiated again.</summary>
    /// <remarks>A gradient read here is the caller's to keep: the engine never recycles its memory.</remarks>
    public Variable? Grad
    {
        get
        {
            if (_grad is not null)
            {
                _grad.Recyclable = false;
            }
            return _grad;
        }
        set => _grad = Kept(value);
    }

    private Variable? _grad;

    /// <summary>The gradient as the library reads it (optimizers, the engine): reading it does not opt it out of recycling.</summary>
    internal Variable? GradValue
    {
        get => _grad;
        set => _grad = Kept(value);
    }

    // A gradient stored in Grad outlives the training step (StepScope) that computed it: optimizers read it, users
    // inspect it, and ClearGrad/ZeroGrad recycle it.
    private static Variable? Kept(Variable? gradient)
    {
        gradient?.Data.KeepBeyondStep();
        return gradient;
    }

    /// <summary>The Function whose output this is; null for a leaf or a Variable computed without a graph.</summary>
    public Function? Creator { get; internal set; }

    public string? Name { get; set; }

    public bool RequiresGrad { get; }

    public bool IsLeaf => Creator is null;

    public Shape Shape => Data.Shape;

    public DType DType => Data.DType;

    public int Rank => Data.Rank;

    public int Size => Data.Size;

    // Forward mode: the directional derivative of this value along the direction being pushed forward (null: zero).
    // Function.Apply sets it inside Autograd.ForwardMode; the public entry points are Autograd.Jvp and its friends.
    internal Variable? Tangent { get; set; }

    // Gradient collected during one backward pass for non-leaf Variables (and all Variables in Autograd.Grad).
    internal Variable? PendingGrad { get; set; }

    internal bool RetainsGrad { get; private set; }

    internal bool IsGradTarget { get; set; }

    // The buffer-reuse rule (see Backprop and TensorPool): a gradient the engine computed without recording a graph
    // is Recyclable until user code reads it; Adoptions counts the Variables that hold it as their gradient.
    internal bool Recyclable { get; set; }

    internal int Adoptions { get; set; }

    /// <summary>
    /// Backpropagates from this Variable: fills <see cref="Grad"/> of every leaf that requires a gradient.
    /// </summary>
    /// <param name="gradient">dL/d(this), the upstream vector of a vector-Jacobian product; may be omitted only for a one-element Variable (seeded with 1).</param>
    /// <param name="retainGraph">Keep the graph so a second backward pass can run through it.</param>
    /// <param name="createGraph">Record the backward pass as a graph, so gradients can be differentiated again (higher order).</param>
    public void Backward(Variable? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Backprop.Run([this], [gradient], retainGraph || createGraph, createGraph, targets: null);

    /// <summary>The same data as a new leaf with no history and no gradient requirement.</summary>
    public Variable Detach() => new(Data, requiresGrad: false, Name);

    /// <summary>Forgets the accumulated gradient (its memory goes back to the pool if no one else can see it).</summary>
    public void ClearGrad()
    {
        Backprop.Recycle(_grad, adoptions: 1);
        _grad = null;
    }

    /// <summary>Makes a non-leaf Variable keep its gradient in <see cref="Grad"/> after Backward.</summary>
    public void RetainGrad() => RetainsGrad = true;

    /// <summary>The value of a one-element Variable.</summary>
    public double Item() => Data.Item();

    public static implicit operator Variable(Tensor data) => new(data, requiresGrad: false);

    public override string ToString()
    {
        string data = Data.ToString();
        string creator = Creator is null ? "" : $", creator={Creator.Name}";
        string name = Name is null ? "" : $", name={Name}";
        return $"variable({data["tensor(".Length..^1]}{name}{creator})";
    }
}

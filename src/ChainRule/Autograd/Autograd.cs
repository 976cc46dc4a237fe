namespace ChainRule;

/// <summary>
/// Switches for the autograd engine (scoped, per thread) and the functional gradient API.
/// </summary>
public static partial class Autograd
{
    // NOTE: one thread-static word for all switches: Function.Apply reads it once per op, and each
    // thread-static read costs a TLS lookup on Linux (visible in profiles of small graphs).
    [ThreadStatic]
    private static Switch s_switches;

    /// <summary>Whether Functions record a graph on this thread.</summary>
    public static bool IsGradEnabled => (s_switches & Switch.GradDisabled) == 0;

    public static bool IsAnomalyDetectionEnabled => (s_switches & Switch.DetectAnomaly) != 0;

    // Whether Function.Apply pushes tangents forward (forward-mode AD, Autograd.Jacobians.cs).
    internal static bool IsForwardModeEnabled => (s_switches & Switch.ForwardMode) != 0;

    /// <summary>All switches of this thread at once, for the per-op hot path.</summary>
    internal static Switch Switches => s_switches;

    /// <summary>Until disposed, operations on this thread record no graph: <c>using (Autograd.NoGrad()) { ... }</c>.</summary>
    public static Scope NoGrad() => new(Switch.GradDisabled, true);

    /// <summary>Until disposed, operations record a graph again (inside a NoGrad scope).</summary>
    public static Scope EnableGrad() => new(Switch.GradDisabled, false);

    /// <summary>
    /// Until disposed, every Function checks its output in forward and every gradient in backward, and the
    /// first NaN or infinity throws an <see cref="AnomalyException"/> naming the Function, its input
    /// shapes and the line of user code that created it. Slow: for debugging.
    /// </summary>
    public static Scope DetectAnomaly() => new(Switch.DetectAnomaly, true);

    // Until disposed, Function.Apply marks what it computes as the engine's temporaries (Variable.Recyclable).
    internal static Scope EngineBackward() => new(Switch.EngineBackward, true);

    // Until disposed, every Function whose inputs carry a Tangent gives its output one (Variable.Tangent).
    internal static Scope ForwardMode(bool enabled = true) => new(Switch.ForwardMode, enabled);

    /// <summary>
    /// The gradients of <paramref name="output"/> with respect to <paramref name="inputs"/>, without touching any
    /// Variable's <see cref="Variable.Grad"/> (torch.autograd.grad). An input the output does not depend on gets zeros.
    /// </summary>
    /// <param name="createGraph">Record the gradient computation so the results can be differentiated again.</param>
    /// <param name="retainGraph">Keep the graph for another pass; defaults to <paramref name="createGraph"/>.</param>
    public static Variable[] Grad(Variable output, IReadOnlyList<Variable> inputs, bool createGraph = false, bool? retainGraph = null) =>
        Grad([output], inputs, gradOutputs: null, createGraph, retainGraph);

    /// <summary>
    /// Vector-Jacobian products: sum over i of gradOutputs[i]^T d(outputs[i])/d(inputs), for each input.
    /// A null gradOutput (or null list) means 1 for a one-element output.
    /// </summary>
    public static Variable[] Grad(
        IReadOnlyList<Variable> outputs, IReadOnlyList<Variable> inputs, IReadOnlyList<Variable?>? gradOutputs = null,
        bool createGraph = false, bool? retainGraph = null)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
        {
            throw new ArgumentException($"Grad: {outputs.Count} outputs but {gradOutputs.Count} gradOutputs.", nameof(gradOutputs));
        }
        var seeds = new Variable?[outputs.Count];
        for (int i = 0; i < seeds.Length; i++)
        {
            seeds[i] = gradOutputs?[i];
        }
        return Backprop.Run([.. outputs], seeds, retainGraph ?? createGraph, createGraph, [.. inputs])!;
    }

    [Flags]
    internal enum Switch
    {
        None = 0,
        GradDisabled = 1,
        DetectAnomaly = 2,
        ForwardMode = 4,
        EngineBackward = 8, // Backprop is running a backward pass that records nothing: results are temporaries
    }

    /// <summary>Restores the previous value of one per-thread switch when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Switch _switch;
        private readonly bool _previous;

        internal Scope(Switch which, bool value)
        {
            _switch = which;
            _previous = (s_switches & which) != 0;
            Set(which, value);
        }

        public void Dispose() => Set(_switch, _previous);

        private static void Set(Switch which, bool value) => s_switches = value ? s_switches | which : s_switches & ~which;
    }
}

namespace ChainRule;

/// <summary>
/// Switches for the autograd engine (scoped, per thread) and the functional gradient API.
/// </summary>
public static class Autograd
{
    [ThreadStatic]
    private static bool s_gradDisabled;

    [ThreadStatic]
    private static bool s_detectAnomaly;

    /// <summary>Whether Functions record a graph on this thread.</summary>
    public static bool IsGradEnabled => !s_gradDisabled;

    public static bool IsAnomalyDetectionEnabled => s_detectAnomaly;

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

    internal enum Switch
    {
        GradDisabled,
        DetectAnomaly,
    }

    /// <summary>Restores the previous value of one per-thread switch when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Switch _switch;
        private readonly bool _previous;

        internal Scope(Switch which, bool value)
        {
            _switch = which;
            _previous = which == Switch.GradDisabled ? s_gradDisabled : s_detectAnomaly;
            Set(which, value);
        }

        public void Dispose() => Set(_switch, _previous);

        private static void Set(Switch which, bool value)
        {
            if (which == Switch.GradDisabled)
            {
                s_gradDisabled = value;
            }
            else
            {
                s_detectAnomaly = value;
            }
        }
    }
}

using System.Diagnostics;

namespace ChainRule;

/// <summary>
/// One node of the computational graph (MISSION 4.4: "Variable and Function").
/// </summary>
/// <remarks>
/// Vocabulary, used in every op: x (x0, x1, ...) are the inputs and y the output; gy = dL/dy arrives
/// from above; gx = dL/dx leaves for each input (gw, gb for weights and biases).
/// <list type="bullet">
/// <item>Forward computes y = f(x0, x1, ...) on Tensors.</item>
/// <item>Backward computes the vector-Jacobian products gx_i = J_i^T gy (MISSION 1.3) with Variable
/// operations, so it reads like the derivative on paper and can itself be differentiated
/// (<c>Backward(createGraph: true)</c>).</item>
/// <item>A gx may have y's broadcast shape: the engine sums it down to its input's shape. No op
/// unbroadcasts its own gradient.</item>
/// <item>Jvp is forward mode: given the tangent dx of input i (a direction, in x's shape), it returns that input's
/// share J_i dx of the output tangent dy = sum_i J_i dx_i. The engine sums the shares of the inputs that have a
/// tangent (none: zero) and broadcasts the sum to y's shape, the mirror image of the backward rule above.</item>
/// </list>
/// A Function is single-use: Apply it once. Its inputs are released after a backward pass that does
/// not retain the graph.
/// </remarks>
public abstract class Function
{
    private Variable[] _inputs = [];

    /// <summary>The inputs recorded by <see cref="Apply"/> (empty when no graph was recorded or after release).</summary>
    public ReadOnlySpan<Variable> Inputs => _inputs;

    /// <summary>The Variable this Function produced.</summary>
    public Variable Output { get; private set; } = null!;

    /// <summary>Display name: the op's class name.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>Where user code created this node; recorded only in anomaly mode (<see cref="Autograd.DetectAnomaly"/>).</summary>
    public string? CallSite { get; private set; }

    internal bool IsReleased { get; private set; }

    internal int VisitStamp { get; set; }

    /// <summary>Runs Forward on the inputs' data and, when gradients are on and an input needs one, records the graph edge.</summary>
    public Variable Apply(params ReadOnlySpan<Variable> inputs)
    {
        var buffer = new TensorArgs();
        Span<Tensor> x = inputs.Length <= TensorArgs.Capacity ? buffer[..inputs.Length] : new Tensor[inputs.Length];
        bool record = false;
        for (int i = 0; i < inputs.Length; i++)
        {
            x[i] = inputs[i].Data;
            record |= inputs[i].RequiresGrad;
        }
        Autograd.Switch switches = Autograd.Switches;
        record &= (switches & Autograd.Switch.GradDisabled) == 0;
        bool anomaly = (switches & Autograd.Switch.DetectAnomaly) != 0;
        if (anomaly)
        {
            CallSite = FindCallSite();
        }

        KeepsState = record || (switches & Autograd.Switch.ForwardMode) != 0;
        Tensor y = Forward(x);
        var output = new Variable(y, requiresGrad: record);
        output.Recyclable = (switches & (Autograd.Switch.EngineBackward | Autograd.Switch.ForwardMode)) == Autograd.Switch.EngineBackward
            && !SharesInputMemory(y, x);
        Output = output;
        if (record)
        {
            _inputs = inputs.ToArray();
            output.Creator = this;
        }
        if (anomaly && !y.IsFinite())
        {
            throw new AnomalyException($"{Name} produced NaN or infinity in forward, from inputs of shape {ShapesOf(x)}, created at {CallSite}.");
        }
        if ((switches & Autograd.Switch.ForwardMode) != 0)
        {
            output.Tangent = PushTangents(inputs, record);
        }
        return output;
    }

    protected abstract Tensor Forward(ReadOnlySpan<Tensor> x);

    /// <summary>
    /// True while <see cref="Forward"/> runs when Backward or Jvp may follow (a graph is recorded, or forward mode is on):
    /// only then must Forward keep what they need (MaxPool2d's arg-max positions); inference can skip it.
    /// </summary>
    protected bool KeepsState { get; private set; } = true;

    // NOTE: an output that is (or views) one of its inputs' memory, e.g. a Reshape to the same shape, which returns
    // its input: recycling it would free the input's buffer too.
    private static bool SharesInputMemory(Tensor y, ReadOnlySpan<Tensor> x)
    {
        foreach (Tensor input in x)
        {
            if (Tensor.SameBuffer(input, y))
            {
                return true;
            }
        }
        return false;
    }

    protected internal abstract Variable?[] Backward(Variable gy);

    protected internal abstract Variable? Jvp(int i, Variable dx);

    /// <summary>
    /// Whether what Backward computes must itself be differentiable: a graph is being recorded (createGraph) or
    /// tangents pushed (forward over reverse). Only when false may a Backward return a fused kernel's result as a
    /// constant.
    /// </summary>
    protected static bool BackwardIsDifferentiated => (Autograd.Switches & (Autograd.Switch.GradDisabled | Autograd.Switch.ForwardMode)) != Autograd.Switch.GradDisabled;

    /// <summary>Whether input i wants a gradient; ops skip costly gx terms nobody needs (e.g. dL/dx of a data batch).</summary>
    protected bool NeedsGrad(int i) => _inputs[i].RequiresGrad;

    // Forward mode (dual numbers): dy = sum_i J_i dx_i over the inputs that carry a tangent dx_i, broadcast to y's
    // shape and cast to y's type. Null when no input has a tangent: the tangent is zero.
    private Variable? PushTangents(ReadOnlySpan<Variable> inputs, bool recorded)
    {
        bool any = false;
        foreach (Variable x in inputs)
        {
            any |= x.Tangent is not null;
        }
        if (!any)
        {
            return null;
        }
        if (!recorded)
        {
            _inputs = inputs.ToArray(); // the rules read Inputs, as Backward does
        }
        // NOTE: the rules run outside forward mode: a tangent's own tangent (forward over forward) is not wanted.
        using Autograd.Scope plain = Autograd.ForwardMode(false);
        Variable? dy = null;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].Tangent is Variable dx && Jvp(i, dx) is Variable share)
            {
                dy = dy is null ? share : dy + share;
            }
        }
        if (!recorded)
        {
            _inputs = [];
        }
        return dy is null ? null : F.To(F.BroadcastTo(dy, Output.Shape), Output.DType);
    }

    internal void Release()
    {
        _inputs = [];
        IsReleased = true;
    }

    internal string InputShapes() => ShapesOf(_inputs.Select(v => v.Data).ToArray());

    private static string ShapesOf(ReadOnlySpan<Tensor> x)
    {
        var shapes = new string[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            shapes[i] = x[i].Shape.ToString();
        }
        return string.Join(" and ", shapes);
    }

    // The first stack frame outside ChainRule: the user's line that built this node.
    private static string FindCallSite()
    {
        var library = typeof(Function).Assembly;
        foreach (StackFrame frame in new StackTrace(2, fNeedFileInfo: true).GetFrames())
        {
            var method = frame.GetMethod();
            if (method?.DeclaringType?.Assembly == library)
            {
                continue;
            }
            string where = frame.GetFileName() is string file ? $"{file}:line {frame.GetFileLineNumber()}" : "(no source information)";
            return $"{method?.DeclaringType?.Name}.{method?.Name} in {where}";
        }
        return "(unknown)";
    }

    [System.Runtime.CompilerServices.InlineArray(Capacity)]
    private struct TensorArgs
    {
        public const int Capacity = 4;
        private Tensor _element;
    }
}

/// <summary>Thrown in anomaly mode at the first NaN or infinity, naming the Function, its input shapes and where it was created.</summary>
public sealed class AnomalyException(string message) : Exception(message);

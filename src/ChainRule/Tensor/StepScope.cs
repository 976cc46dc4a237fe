namespace ChainRule;

/// <summary>
/// One training step's memory: every tensor an operation creates on this thread while the scope is open goes back
/// to the buffer pool when the scope is disposed, so the next step's activations and gradients reuse it instead of
/// asking the garbage collector for fresh (page-faulting) memory.
/// </summary>
/// <remarks>
/// <para>The rule: what the step computed dies with the step. Reading such a tensor after the scope ends (a view of
/// it, the <see cref="Variable.Data"/> of an output, a loss) throws <see cref="RecycledTensorException"/>; it never
/// returns another step's numbers. What outlives the step is kept automatically: a gradient the engine stores in
/// <see cref="Variable.Grad"/>, a tensor assigned to <see cref="Variable.Data"/> (a parameter's new value), and
/// anything made by a factory, a constructor or <see cref="Tensor.Clone"/>, which belong to the caller. To keep an
/// operation's result, call <see cref="Keep(Tensor)"/> inside the scope, or Clone() it.</para>
/// <para><see cref="Training.Trainer"/> opens one per batch; a hand-written loop does the same:</para>
/// <code>
/// foreach ((Tensor x, Tensor y) in loader)
/// {
///     using var step = new StepScope();
///     optimizer.ZeroGrad();
///     Variable loss = Losses.SoftmaxCrossEntropy(model.Forward(x), y);
///     loss.Backward();
///     optimizer.Step();
///     total += loss.Item();
/// }
/// </code>
/// <para>Scopes belong to the thread that opened them and nest: an inner scope returns its own tensors when it
/// ends. Only buffers of at least 1,024 elements are pooled; smaller ones are left to the garbage collector.</para>
/// </remarks>
public sealed class StepScope : IDisposable
{
    [ThreadStatic]
    private static StepScope? t_current;

    private readonly StepScope? _outer;
    private readonly List<BufferLease> _leases = [];
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private bool _disposed;

    /// <summary>Opens a scope on this thread; tensors created from now until <see cref="Dispose"/> are recycled then.</summary>
    public StepScope()
    {
        _outer = t_current;
        t_current = this;
    }

    /// <summary>The number of pooled buffers this scope will return (for tests and diagnostics).</summary>
    public int Count => _leases.Count(l => l.Scope == this && !l.Expired);

    /// <summary>Takes <paramref name="tensor"/> (and every view sharing its memory) out of the scope: it stays valid after the step.</summary>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.KeepBeyondStep();
        return tensor;
    }

    /// <summary>Keeps the value of <paramref name="variable"/> (see <see cref="Keep(Tensor)"/>).</summary>
    public Variable Keep(Variable variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        variable.Data.KeepBeyondStep();
        return variable;
    }

    /// <summary>Gives every tensor the step created, and did not keep, back to the pool; using one afterwards throws.</summary>
    /// <exception cref="InvalidOperationException">Disposed on another thread, or while a scope opened inside it is still open.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException("a StepScope must be disposed on the thread that opened it.");
        }
        if (!ReferenceEquals(t_current, this))
        {
            throw new InvalidOperationException("a StepScope was disposed while a scope opened inside it is still open; dispose scopes in the reverse order of opening them (a using block does).");
        }
        _disposed = true;
        t_current = _outer;
        foreach (BufferLease lease in _leases)
        {
            if (lease.Scope == this)
            {
                lease.Return();
            }
        }
        _leases.Clear();
    }

    /// <summary>Puts a new pooled buffer in the innermost open scope of this thread, if any.</summary>
    internal static void Enlist(BufferLease lease)
    {
        if (t_current is { } scope)
        {
            lease.Scope = scope;
            scope._leases.Add(lease);
        }
    }
}

/// <summary>
/// The ownership record of one pooled buffer, shared by the tensor that allocated it and all its views. Once the
/// buffer goes back to the pool the lease is expired, and every tensor holding it refuses to be read or written.
/// </summary>
internal sealed class BufferLease(Array buffer, DType dtype)
{
    public bool Expired { get; private set; }

    /// <summary>The step scope that returns this buffer when it ends; null when none does (kept, or created outside one).</summary>
    public StepScope? Scope { get; set; }

    /// <summary>Gives the buffer to the pool, at most once.</summary>
    public void Return()
    {
        if (Expired)
        {
            return;
        }
        Expired = true;
        Scope = null;
        TensorPool.Return(buffer, dtype);
    }
}

/// <summary>A tensor was used after the step that created it ended and its memory went back to the pool.</summary>
public sealed class RecycledTensorException(Shape shape, DType dtype) : InvalidOperationException(
    $"this {dtype.Name()} tensor of shape {shape} was used after its memory went back to the buffer pool: it was computed inside a StepScope " +
    "(one training step), which recycles what the step computed when it ends; to use it afterwards, call step.Keep(tensor) or tensor.Clone() inside the step.");

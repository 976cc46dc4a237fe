using ChainRule.NN;

namespace ChainRule.Optim;

/// <summary>
/// Updates parameters from their gradients (DeZero's Optimizer): <see cref="Step"/> skips parameters without a
/// gradient and calls <see cref="UpdateOne"/> for the rest. Per-parameter state lives in arrays parallel to
/// <see cref="Parameters"/>.
/// </summary>
public abstract class Optimizer
{
    protected Optimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        if (Parameters.Count == 0)
        {
            throw new ArgumentException("optimizer: no parameters to optimize.", nameof(parameters));
        }
        LearningRate = learningRate;
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The step size; a schedule may change it between steps.</summary>
    public double LearningRate
    {
        get;
        set => field = value >= 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "the learning rate must be a finite number >= 0.");
    }

    /// <summary>How many times Step has run.</summary>
    public int StepCount { get; private set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (Parameters[i].GradValue is not null)
            {
                UpdateOne(i);
            }
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (Parameter p in Parameters)
        {
            p.ClearGrad();
        }
    }

    protected abstract void UpdateOne(int i);

    /// <summary>A zero state buffer shaped like the parameter, created on first use.</summary>
    private protected static Tensor StateLike(ref Tensor? state, Parameter p) => state ??= Tensor.ZerosLike(p.Data);
}

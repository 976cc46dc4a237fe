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

    /// <summary>The per-parameter state an update rule keeps, by PyTorch's names (momentum_buffer, exp_avg, ...): null until first used.</summary>
    private protected virtual IEnumerable<(string Slot, Tensor?[] Values)> StateSlots() => [];

    /// <summary>Per-parameter step counts, for rules that keep them (Adam's bias correction); null otherwise.</summary>
    private protected virtual int[]? ParameterSteps => null;

    /// <summary>
    /// Everything this optimizer would need to continue exactly where it is, as named tensors (in the spirit of
    /// PyTorch's optimizer.state_dict()): "step_count" (Int64 scalar, the schedule's position), then for each
    /// parameter i (its index in <see cref="Parameters"/>) the state created so far: "i.momentum_buffer",
    /// "i.exp_avg", "i.exp_avg_sq" (shaped and typed like the parameter) and "i.step" (Int64 scalar).
    /// The tensors are the optimizer's own: save them before the next step.
    /// </summary>
    public IEnumerable<(string Name, Tensor Tensor)> StateTensors()
    {
        yield return ("step_count", Tensor.Scalar(StepCount, DType.Int64));
        int[]? steps = ParameterSteps;
        for (int i = 0; i < Parameters.Count; i++)
        {
            foreach ((string slot, Tensor?[] values) in StateSlots())
            {
                if (values[i] is Tensor t)
                {
                    yield return ($"{i}.{slot}", t);
                }
            }
            if (steps is not null && steps[i] > 0)
            {
                yield return ($"{i}.step", Tensor.Scalar(steps[i], DType.Int64));
            }
        }
    }

    /// <summary>
    /// Restores a state written by <see cref="StateTensors"/> for the same parameters (copies it). Everything is
    /// checked first: on any problem nothing changes and the message lists every one (an unknown name, a parameter
    /// index out of range, a shape or dtype that is not the parameter's, a count that is negative or not an Int64 scalar).
    /// </summary>
    /// <exception cref="InvalidDataException">The state does not belong to this optimizer.</exception>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state) =>
        LoadStateDict(new OptimizerStateDict(state, new Dictionary<string, double>()));

    /// <summary>
    /// The hyperparameters by the names of PyTorch's <c>param_groups[0]</c>: "lr", then each rule's own
    /// ("betas.0", "betas.1", "eps", "weight_decay" for Adam; "momentum", "dampening", "weight_decay", "nesterov"
    /// (0 or 1) for Sgd).
    /// </summary>
    public IReadOnlyDictionary<string, double> Hyperparameters()
    {
        var values = new OrderedDictionary<string, double> { ["lr"] = LearningRate };
        foreach ((string name, double value) in OwnHyperparameters())
        {
            values.Add(name, value);
        }
        return values;
    }

    /// <summary>
    /// Everything this optimizer would need to continue exactly where it is, shaped like PyTorch's
    /// <c>optimizer.state_dict()</c>: the per-parameter state of <see cref="StateTensors"/> (the optimizer's own
    /// tensors, not copies, as in PyTorch: save or Clone them before the next step) and <see cref="Hyperparameters"/>.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>();
        foreach ((string name, Tensor t) in StateTensors())
        {
            state.Add(name, t);
        }
        return new OptimizerStateDict(state, Hyperparameters());
    }

    /// <summary>
    /// Restores a state from <see cref="StateDict"/> (or PyTorch's, flattened as <see cref="OptimizerStateDict"/>
    /// describes) for the same parameters: the tensors are copied, and the hyperparameters given replace this
    /// optimizer's (those not given are kept, so states saved without them load too). Everything is checked first:
    /// on any problem nothing changes and the message lists every one (an unknown name, a parameter index out of
    /// range, a shape or dtype that is not the parameter's, a count that is negative or not an Int64 scalar, an
    /// unknown or invalid hyperparameter).
    /// </summary>
    /// <exception cref="InvalidDataException">The state does not belong to this optimizer.</exception>
    public void LoadStateDict(OptimizerStateDict state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var slots = StateSlots().ToDictionary(s => s.Slot, s => s.Values);
        int[]? steps = ParameterSteps;
        var problems = new List<string>();
        long stepCount = 0;
        var parsed = new List<(int Index, string Slot, Tensor Value)>();
        if (!state.State.ContainsKey("step_count"))
        {
            problems.Add("missing 'step_count'");
        }
        foreach ((string name, Tensor t) in state.State)
        {
            if (name == "step_count" || name.EndsWith(".step", StringComparison.Ordinal))
            {
                if (t.DType != DType.Int64 || t.Rank != 0 || t.Item<long>() is < 0 or > int.MaxValue)
                {
                    problems.Add($"'{name}' must be an Int64 scalar in [0, {int.MaxValue}], got {t.DType.Name()} {t.Shape}");
                    continue;
                }
                if (name == "step_count")
                {
                    stepCount = t.Item<long>();
                    continue;
                }
            }
            int dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 1 || !int.TryParse(name.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
                || i >= Parameters.Count)
            {
                problems.Add($"unexpected '{name}' (not 'step_count' or 'i.slot' with i < {Parameters.Count})");
                continue;
            }
            string slot = name[(dot + 1)..];
            if (slot == "step" ? steps is null : !slots.ContainsKey(slot))
            {
                problems.Add($"unexpected '{name}': {GetType().Name} keeps no '{slot}'");
                continue;
            }
            Parameter p = Parameters[i];
            if (slot != "step" && (t.Shape != p.Shape || t.DType != p.DType))
            {
                problems.Add($"'{name}' is {t.DType.Name()} {t.Shape}, but parameter {i} is {p.DType.Name()} {p.Shape}");
                continue;
            }
            parsed.Add((i, slot, t));
        }
        var hyperparameters = new Dictionary<string, double>(Hyperparameters());
        foreach ((string name, double value) in state.Hyperparameters)
        {
            if (!hyperparameters.ContainsKey(name))
            {
                problems.Add($"unknown hyperparameter '{name}' ({GetType().Name} has {string.Join(", ", hyperparameters.Keys)})");
            }
            else
            {
                hyperparameters[name] = value;
            }
        }
        if (hyperparameters["lr"] is not (>= 0 and < double.PositiveInfinity))
        {
            problems.Add($"'lr' must be a finite number >= 0, got {hyperparameters["lr"]}");
        }
        problems.AddRange(CheckHyperparameters(hyperparameters));
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"optimizer state does not fit this {GetType().Name}: {string.Join("; ", problems)}.");
        }
        foreach (Tensor?[] values in slots.Values)
        {
            Array.Clear(values);
        }
        if (steps is not null)
        {
            Array.Clear(steps);
        }
        foreach ((int i, string slot, Tensor t) in parsed)
        {
            if (slot == "step")
            {
                steps![i] = (int)t.Item<long>();
            }
            else
            {
                Tensor copy = Tensor.ZerosLike(Parameters[i].Data);
                copy.CopyFrom(t);
                slots[slot][i] = copy;
            }
        }
        StepCount = (int)stepCount;
        LearningRate = hyperparameters["lr"];
        SetHyperparameters(hyperparameters);
    }

    /// <summary>This rule's hyperparameters besides "lr", by PyTorch's names (see <see cref="Hyperparameters"/>).</summary>
    private protected virtual IEnumerable<(string Name, double Value)> OwnHyperparameters() => [];

    /// <summary>What is wrong with a full set of hyperparameters (every name of <see cref="Hyperparameters"/>), as messages.</summary>
    private protected virtual IEnumerable<string> CheckHyperparameters(IReadOnlyDictionary<string, double> values) => [];

    /// <summary>Sets the rule's own hyperparameters from a full set that <see cref="CheckHyperparameters"/> accepted.</summary>
    private protected virtual void SetHyperparameters(IReadOnlyDictionary<string, double> values)
    {
    }

    /// <summary>A zero state buffer shaped like the parameter, created on first use.</summary>
    /// <summary>Updates of a parameter with at least this many elements are split over the worker team (memory-bound passes).</summary>
    private protected const int ParallelUpdateElements = 1 << 16;

    private protected static Tensor StateLike(ref Tensor? state, Parameter p) => state ??= Tensor.ZerosLike(p.Data);
}

namespace ChainRule.Optim;

/// <summary>
/// An optimizer's state shaped like PyTorch's <c>optimizer.state_dict()</c>: the per-parameter tensors
/// (<see cref="Optimizer.StateTensors"/>: "step_count", "i.momentum_buffer", "i.exp_avg", "i.exp_avg_sq", "i.step")
/// and the hyperparameters of its one parameter group ("lr", "betas.0", "eps", ...).
/// </summary>
/// <remarks>
/// As named tensors (<see cref="ToTensors"/>, the form a safetensors file and the resume file
/// <c>training-state.safetensors</c> hold, there under "optimizer."), the state tensors keep their names and each
/// hyperparameter becomes a Float64 scalar "param_groups.0.{name}". PyTorch's own state_dict maps onto this one for
/// one: <c>state[i][slot]</c> is "i.slot" (its "step", a float tensor in PyTorch 1.13, as an Int64 scalar),
/// <c>param_groups[0][h]</c> is "param_groups.0.h" (betas as "betas.0" and "betas.1", nesterov as 0 or 1), and
/// "step_count" is the number of steps taken (tests/fixtures/torch/make_state_dicts.py writes it that way).
/// </remarks>
public sealed record OptimizerStateDict(IReadOnlyDictionary<string, Tensor> State, IReadOnlyDictionary<string, double> Hyperparameters)
{
    /// <summary>The prefix of the hyperparameters' tensor names.</summary>
    public const string HyperparameterPrefix = "param_groups.0.";

    /// <summary>The state tensors, then the hyperparameters as Float64 scalars named "param_groups.0.{name}".</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> ToTensors()
    {
        foreach (KeyValuePair<string, Tensor> t in State)
        {
            yield return t;
        }
        foreach ((string name, double value) in Hyperparameters)
        {
            yield return KeyValuePair.Create(HyperparameterPrefix + name, Tensor.Scalar(value, DType.Float64));
        }
    }

    /// <summary>Splits named tensors written by <see cref="ToTensors"/> back into state and hyperparameters.</summary>
    /// <exception cref="InvalidDataException">A hyperparameter is not a Float64 scalar (every one listed).</exception>
    public static OptimizerStateDict FromTensors(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var state = new OrderedDictionary<string, Tensor>();
        var hyperparameters = new OrderedDictionary<string, double>();
        var problems = new List<string>();
        foreach ((string name, Tensor t) in tensors)
        {
            if (!name.StartsWith(HyperparameterPrefix, StringComparison.Ordinal))
            {
                state.Add(name, t);
            }
            else if (t.DType != DType.Float64 || t.Rank != 0)
            {
                problems.Add($"'{name}' must be a Float64 scalar, got {t.DType.Name()} {t.Shape}");
            }
            else
            {
                hyperparameters.Add(name[HyperparameterPrefix.Length..], t.Item<double>());
            }
        }
        return problems.Count == 0 ? new OptimizerStateDict(state, hyperparameters)
            : throw new InvalidDataException($"optimizer state: {string.Join("; ", problems)}.");
    }
}

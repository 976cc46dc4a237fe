using ChainRule.Kernels;
using ChainRule.NN;

namespace ChainRule.Optim;

/// <summary>Stochastic gradient descent, w &lt;- w - lr grad (MISSION 2.3), with optional momentum, Nesterov and weight decay.</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor?[] _velocity;

    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0, double dampening = 0)
        : base(parameters, learningRate)
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException("sgd: Nesterov momentum needs momentum > 0 and no dampening.");
        }
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        Dampening = dampening;
        _velocity = new Tensor?[Parameters.Count];
    }

    public double Momentum { get; private set; }

    public bool Nesterov { get; private set; }

    public double WeightDecay { get; private set; }

    public double Dampening { get; private set; }

    private protected override IEnumerable<(string Slot, Tensor?[] Values)> StateSlots() => [("momentum_buffer", _velocity)];

    private protected override IEnumerable<(string Name, double Value)> OwnHyperparameters() =>
        [("momentum", Momentum), ("dampening", Dampening), ("weight_decay", WeightDecay), ("nesterov", Nesterov ? 1 : 0)];

    private protected override IEnumerable<string> CheckHyperparameters(IReadOnlyDictionary<string, double> values)
    {
        foreach (string name in (string[])["momentum", "dampening", "weight_decay"])
        {
            if (!double.IsFinite(values[name]))
            {
                yield return $"'{name}' must be finite, got {values[name]}";
            }
        }
        if (values["nesterov"] is not (0.0 or 1.0))
        {
            yield return $"'nesterov' must be 0 or 1, got {values["nesterov"]}";
        }
        else if (values["nesterov"] == 1 && (values["momentum"] <= 0 || values["dampening"] != 0))
        {
            yield return "Nesterov momentum needs momentum > 0 and no dampening";
        }
    }

    private protected override void SetHyperparameters(IReadOnlyDictionary<string, double> values) =>
        (Momentum, Dampening, WeightDecay, Nesterov) = (values["momentum"], values["dampening"], values["weight_decay"], values["nesterov"] == 1);

    protected override void UpdateOne(int i)
    {
        Parameter p = Parameters[i];
        bool firstStep = _velocity[i] is null;
        Tensor velocity = StateLike(ref _velocity[i], p);
        Tensor grad = p.GradValue!.Data.To(p.DType).Contiguous();
        (double lr, double mu, double dampening, double wd, bool nesterov) = (LearningRate, Momentum, Dampening, WeightDecay, Nesterov);
        Parallelism.ForRanges(p.Size, ParallelUpdateElements, (start, count) =>
        {
            if (p.DType == DType.Float32)
            {
                OptimizerSteps.Sgd(p.Data.AsSpan<float>().Slice(start, count), grad.AsSpan<float>().Slice(start, count), velocity.AsSpan<float>().Slice(start, count),
                    (float)lr, (float)mu, (float)dampening, (float)wd, nesterov, firstStep);
            }
            else
            {
                OptimizerSteps.Sgd(p.Data.AsSpan<double>().Slice(start, count), grad.AsSpan<double>().Slice(start, count), velocity.AsSpan<double>().Slice(start, count),
                    lr, mu, dampening, wd, nesterov, firstStep);
            }
        });
    }
}

using ChainRule.Kernels;
using ChainRule.NN;

namespace ChainRule.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2015). Weight decay here is the classic L2 term added to the gradient; for decoupled
/// weight decay use <see cref="AdamW"/>.
/// </summary>
public class Adam : Optimizer
{
    private readonly Tensor?[] _m;
    private readonly Tensor?[] _v;
    private readonly int[] _steps;

    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        : base(parameters, learningRate)
    {
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), $"adam: betas must be in [0, 1), got {beta1} and {beta2}.");
        }
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _m = new Tensor?[Parameters.Count];
        _v = new Tensor?[Parameters.Count];
        _steps = new int[Parameters.Count];
    }

    public double Beta1 { get; private set; }

    public double Beta2 { get; private set; }

    public double Epsilon { get; private set; }

    public double WeightDecay { get; private set; }

    private protected virtual bool Decoupled => false;

    private protected override IEnumerable<(string Slot, Tensor?[] Values)> StateSlots() => [("exp_avg", _m), ("exp_avg_sq", _v)];

    private protected override int[]? ParameterSteps => _steps;

    private protected override IEnumerable<(string Name, double Value)> OwnHyperparameters() =>
        [("betas.0", Beta1), ("betas.1", Beta2), ("eps", Epsilon), ("weight_decay", WeightDecay)];

    private protected override IEnumerable<string> CheckHyperparameters(IReadOnlyDictionary<string, double> values)
    {
        foreach (string name in (string[])["betas.0", "betas.1"])
        {
            if (values[name] is not (>= 0 and < 1))
            {
                yield return $"'{name}' must be in [0, 1), got {values[name]}";
            }
        }
        foreach (string name in (string[])["eps", "weight_decay"])
        {
            if (!double.IsFinite(values[name]))
            {
                yield return $"'{name}' must be finite, got {values[name]}";
            }
        }
    }

    private protected override void SetHyperparameters(IReadOnlyDictionary<string, double> values) =>
        (Beta1, Beta2, Epsilon, WeightDecay) = (values["betas.0"], values["betas.1"], values["eps"], values["weight_decay"]);

    protected override void UpdateOne(int i)
    {
        Parameter p = Parameters[i];
        Tensor m = StateLike(ref _m[i], p), v = StateLike(ref _v[i], p);
        int step = ++_steps[i]; // per parameter: a parameter without a gradient in some step keeps its own count
        Tensor grad = p.GradValue!.Data.To(p.DType).Contiguous();
        (double lr, double b1, double b2, double eps, double wd, bool decoupled) = (LearningRate, Beta1, Beta2, Epsilon, WeightDecay, Decoupled);
        Parallelism.ForRanges(p.Size, ParallelUpdateElements, (start, count) =>
        {
            if (p.DType == DType.Float32)
            {
                OptimizerSteps.Adam(p.Data.AsSpan<float>().Slice(start, count), grad.AsSpan<float>().Slice(start, count), m.AsSpan<float>().Slice(start, count),
                    v.AsSpan<float>().Slice(start, count), (float)lr, (float)b1, (float)b2, (float)eps, (float)wd, decoupled, step);
            }
            else
            {
                OptimizerSteps.Adam(p.Data.AsSpan<double>().Slice(start, count), grad.AsSpan<double>().Slice(start, count), m.AsSpan<double>().Slice(start, count),
                    v.AsSpan<double>().Slice(start, count), lr, b1, b2, eps, wd, decoupled, step);
            }
        });
    }
}

/// <summary>AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay, p *= 1 - lr wd before the Adam step.</summary>
public sealed class AdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01)
    : Adam(parameters, learningRate, beta1, beta2, epsilon, weightDecay)
{
    private protected override bool Decoupled => true;
}

namespace ChainRule.Optim;

/// <summary>
/// A learning-rate schedule: the factor that multiplies the base learning rate at a given step (counted from 0,
/// one step per optimizer update). Apply it with <see cref="Apply"/> before each update.
/// </summary>
public abstract class LearningRateSchedule
{
    public abstract double Factor(int step);

    /// <summary>Sets optimizer.LearningRate = baseLearningRate * Factor(step).</summary>
    public void Apply(Optimizer optimizer, double baseLearningRate, int step)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.LearningRate = baseLearningRate * Factor(step);
    }

    /// <summary>The constant schedule: factor 1.</summary>
    public static LearningRateSchedule Constant { get; } = new StepDecay(int.MaxValue, 1);
}

/// <summary>Multiplies the rate by gamma every stepSize steps: gamma^floor(step / stepSize) (torch StepLR).</summary>
public sealed class StepDecay : LearningRateSchedule
{
    public StepDecay(int stepSize, double gamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        StepSize = stepSize;
        Gamma = gamma;
    }

    public int StepSize { get; }

    public double Gamma { get; }

    public override double Factor(int step) => Math.Pow(Gamma, step / StepSize);
}

/// <summary>Cosine annealing from 1 to minFactor over totalSteps: min + (1 - min)(1 + cos(pi step / total)) / 2.</summary>
public sealed class CosineDecay : LearningRateSchedule
{
    public CosineDecay(int totalSteps, double minFactor = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        TotalSteps = totalSteps;
        MinFactor = minFactor;
    }

    public int TotalSteps { get; }

    public double MinFactor { get; }

    public override double Factor(int step) =>
        MinFactor + ((1 - MinFactor) * (1 + Math.Cos(Math.PI * Math.Min(step, TotalSteps) / TotalSteps)) / 2);
}

/// <summary>Linear warm-up: (step + 1) / warmupSteps for the first warmupSteps steps, then the inner schedule (from its step 0).</summary>
public sealed class LinearWarmup : LearningRateSchedule
{
    public LinearWarmup(int warmupSteps, LearningRateSchedule then)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(warmupSteps, 0);
        WarmupSteps = warmupSteps;
        Then = then ?? throw new ArgumentNullException(nameof(then));
    }

    public int WarmupSteps { get; }

    public LearningRateSchedule Then { get; }

    public override double Factor(int step) => step < WarmupSteps ? (step + 1.0) / WarmupSteps : Then.Factor(step - WarmupSteps);
}

namespace ChainRule.Bench.Workloads;

/// <summary>An MLP of an MlpSpec with its training set already uploaded (IBackend.CreateMlpTrainer).</summary>
public interface IMlpTrainer : IDisposable
{
    /// <summary>Overwrites every weight and bias with a copy of the given values (untimed).</summary>
    void LoadParameters(MlpParameters parameters);

    /// <summary>
    /// Runs SGD steps over the training samples in the given order, BatchSize at a time; the last
    /// batch is smaller when order.Length is not a multiple (it is still one step, its loss the
    /// mean over its own samples). Gathering the batch rows is part of the work.
    /// Returns the mean loss over all samples: sum over steps of (step loss * step size) / order.Length.
    /// </summary>
    double Train(ReadOnlySpan<int> order);

    /// <summary>Fraction of the given samples whose largest logit is the label (untimed).</summary>
    /// <param name="images">(count, 784) row-major, pixel / 255.</param>
    /// <param name="labels">(count).</param>
    double Accuracy(float[] images, byte[] labels);
}

namespace ChainRule.Training;

/// <summary>
/// Training stopped because a number became NaN or infinite: the loss or the gradients' norm at some step, or a weight
/// at the end of an epoch. Nothing after that point is trusted, so nothing of the diverged state should be saved.
/// </summary>
public sealed class DivergenceException(int epoch, int step, string what, string? anomaly = null)
    : Exception($"training diverged at epoch {epoch}, step {step}: {what}." + (anomaly is null ? "" : $" In anomaly mode: {anomaly}"))
{
    /// <summary>The epoch (from 1) in which it happened.</summary>
    public int Epoch { get; } = epoch;

    /// <summary>The step within that epoch (from 1); the epoch's last step when a weight was found non-finite at its end.</summary>
    public int Step { get; } = step;

    /// <summary>What became non-finite, e.g. "the loss is NaN".</summary>
    public string What { get; } = what;

    /// <summary>
    /// With <see cref="Trainer.DetectAnomaly"/>: what the rerun of the step in anomaly mode found (the Function that first
    /// produced a NaN or infinity and where it was created); null otherwise.
    /// </summary>
    public string? Anomaly { get; } = anomaly;
}

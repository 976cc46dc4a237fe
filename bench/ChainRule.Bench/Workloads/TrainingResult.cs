namespace ChainRule.Bench.Workloads;

/// <summary>What one training run (one child process) reports back to the harness.</summary>
/// <param name="EpochSeconds">Wall time of the timed epoch only.</param>
/// <param name="MeanLoss">Mean training loss over the epoch's samples (IMlpTrainer.Train).</param>
/// <param name="TestAccuracy">On the 10,000 test images after the epoch.</param>
/// <param name="PeakRssBytes">VmHWM of the child at its end: runtime, data, library, everything.</param>
/// <param name="DataRssBytes">VmHWM after loading the data, before the library is first called.</param>
/// <param name="ManagedBytesPerStep">Managed bytes allocated on the training thread during the timed epoch, per step (GC.GetAllocatedBytesForCurrentThread).</param>
/// <param name="GcPauseFraction">Time the garbage collector paused the process during the timed epoch, over its wall time (GC.GetTotalPauseDuration).</param>
public sealed record TrainingResult(
    string Backend,
    string Network,
    int Samples,
    double EpochSeconds,
    double MeanLoss,
    double TestAccuracy,
    long PeakRssBytes,
    long DataRssBytes,
    double ManagedBytesPerStep,
    double GcPauseFraction)
{
    public double SamplesPerSecond => Samples / EpochSeconds;
}

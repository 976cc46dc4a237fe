namespace ChainRule;

/// <summary>
/// How many threads ChainRule's kernels may use. Process-wide, like torch.set_num_threads:
/// the thread count is a property of the machine a run is on, not of one tensor.
/// </summary>
public static class Parallelism
{
    /// <summary>Upper bound on the threads one kernel call uses (default: all cores).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When set below 1.</exception>
    public static int MaxDegree
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxDegree));
            field = value;
        }
    } = Environment.ProcessorCount;
}

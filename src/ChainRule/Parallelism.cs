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

    /// <summary>
    /// Runs body(0) .. body(count - 1) in up to MaxDegree contiguous chunks on the <see cref="WorkerTeam"/> (serially for
    /// small counts). Each item must write only its own outputs; the result is then the same whatever the split.
    /// </summary>
    internal static void For(int count, Action<int> body, int minPerThread = 4)
    {
        int threads = Math.Min(MaxDegree, Math.Max(1, count / Math.Max(1, minPerThread)));
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        WorkerTeam.Run(threads, t =>
        {
            int start = (int)((long)count * t / threads), end = (int)((long)count * (t + 1) / threads);
            for (int i = start; i < end; i++)
            {
                body(i);
            }
        });
    }

    /// <summary>
    /// Cuts [0, length) into up to MaxDegree ranges of at least <paramref name="minPerTask"/> elements, each starting at a
    /// multiple of <paramref name="align"/> (whole SIMD vectors), and runs body(start, count) for each on the
    /// <see cref="WorkerTeam"/>: for memory-bound passes over one array (optimizer updates), whose elements are
    /// independent, so the result is the same whatever the split.
    /// </summary>
    internal static void ForRanges(int length, int minPerTask, Action<int, int> body, int align = 64)
    {
        int tasks = Math.Min(MaxDegree, Math.Max(1, length / Math.Max(1, minPerTask)));
        if (tasks <= 1)
        {
            body(0, length);
            return;
        }
        WorkerTeam.Run(tasks, t =>
        {
            int start = RangeStart(length, tasks, t, align), end = RangeStart(length, tasks, t + 1, align);
            if (end > start)
            {
                body(start, end - start);
            }
        });
    }

    private static int RangeStart(int length, int tasks, int t, int align) =>
        t >= tasks ? length : (int)((long)length * t / tasks / align * align);
}


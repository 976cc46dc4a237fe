using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ChainRule;

/// <summary>
/// The threads kernels run on: one per core beyond the caller's, started once and kept. A job is cut into a fixed
/// number of tasks; the calling thread runs task 0 and the workers the rest, each task on one thread, so a kernel
/// that gives every task its own outputs computes the same bits whatever the timing.
/// </summary>
/// <remarks>
/// <para>Why not Parallel.For: a training step of a small network is hundreds of kernel calls of tens of
/// microseconds each. Handing each one to the thread pool costs a wake-up (a futex, ~5-50 us) and a few hundred
/// bytes of task objects, which is what made the second core a loss on the batch-64 MLP. A worker here spins on a
/// generation counter for a short while after each job (<see cref="SpinMicroseconds"/>), so the next kernel call of
/// the same step finds it awake; when no job comes it parks on an event and costs nothing.</para>
/// <para>One job runs at a time. A call from inside a job (a kernel a task calls), from a second thread while a job
/// runs, or where threads cannot start (WebAssembly without threads, one core) runs its tasks inline, one after the
/// other: the same results, on one thread.</para>
/// </remarks>
internal static class WorkerTeam
{
    /// <summary>How long an idle worker keeps polling for the next job before it parks.</summary>
    public const int SpinMicroseconds = 200;

    private static readonly Worker[] s_workers = StartWorkers();
    private static readonly long s_spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    [ThreadStatic]
    private static bool t_insideJob;

    private static int s_busy; // 1 while a job runs
    private static int s_generation; // bumped once per job, after s_job is set: the workers' signal
    private static Job s_job = new(0, 0, _ => { });

    // One call of Run. Immutable but for the two counters the threads share.
    private sealed class Job(int generation, int tasks, Action<int> task)
    {
        public int Generation { get; } = generation;

        public int Tasks { get; } = tasks;

        public Action<int> Task { get; } = task;

        public int Pending; // workers still running their tasks
        public ExceptionDispatchInfo? Failure;

        public void Fail(Exception e) => Interlocked.CompareExchange(ref Failure, ExceptionDispatchInfo.Capture(e), null);
    }

    /// <summary>The threads a job can use at once: the caller and the workers.</summary>
    public static int Size => s_workers.Length + 1;

    /// <summary>Runs task(0) .. task(tasks - 1), task t on thread t mod Size (the caller is thread 0); returns when all are done.</summary>
    /// <exception cref="Exception">The first exception a task threw, rethrown here after every task ended.</exception>
    public static void Run(int tasks, Action<int> task)
    {
        if (tasks <= 1 || s_workers.Length == 0 || t_insideJob || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            RunInline(tasks, task);
            return;
        }
        try
        {
            int helpers = Math.Min(tasks, Size) - 1;
            var job = new Job(s_generation + 1, tasks, task) { Pending = helpers };
            Volatile.Write(ref s_job, job);
            Interlocked.Increment(ref s_generation); // a full fence: the job is visible before the signal
            for (int w = 0; w < helpers; w++)
            {
                s_workers[w].WakeIfParked();
            }
            t_insideJob = true;
            try
            {
                RunShare(0, tasks, task);
            }
            catch (Exception e)
            {
                job.Fail(e);
            }
            finally
            {
                t_insideJob = false;
            }
            var spinner = new SpinWait();
            while (Volatile.Read(ref job.Pending) > 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            job.Failure?.Throw();
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void RunInline(int tasks, Action<int> task)
    {
        for (int t = 0; t < tasks; t++)
        {
            task(t);
        }
    }

    // Thread `thread` of `size` runs tasks thread, thread + size, ...: a fixed assignment, whatever the timing.
    private static void RunShare(int thread, int tasks, Action<int> task)
    {
        for (int t = thread; t < tasks; t += Size)
        {
            task(t);
        }
    }

    private static Worker[] StartWorkers()
    {
        int count = Environment.ProcessorCount - 1;
        if (count <= 0 || OperatingSystem.IsBrowser() || OperatingSystem.IsWasi())
        {
            return [];
        }
        var workers = new List<Worker>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                workers.Add(new Worker(i + 1));
            }
        }
        catch (Exception e) when (e is PlatformNotSupportedException or NotSupportedException or OutOfMemoryException or ThreadStartException)
        {
            // a platform that refuses threads: the ones that started still serve, the rest of the work runs inline
        }
        return [.. workers];
    }

    private sealed class Worker
    {
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
        private readonly int _index; // this worker's thread number in a job: 1 .. Size - 1
        private int _parked;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"ChainRule worker {index}" };
            thread.Start();
        }

        public void WakeIfParked()
        {
            if (Volatile.Read(ref _parked) == 1)
            {
                _wake.Set();
            }
        }

        private void Loop()
        {
            t_insideJob = true; // a kernel a task calls runs inline on this thread
            // NOTE: not the generation now: the first job may have been published before this thread got to run
            int done = 0;
            while (true)
            {
                WaitForJob(done);
                Job job = Volatile.Read(ref s_job);
                if (job.Generation == done)
                {
                    continue; // the generation moved before its job was visible here: look again
                }
                // NOTE: a job newer than the signal seen is fine: this worker was not in the one it skipped (the
                // caller would still be waiting for it), and it never runs one job twice.
                done = job.Generation;
                if (_index < Math.Min(job.Tasks, Size))
                {
                    try
                    {
                        RunShare(_index, job.Tasks, job.Task);
                    }
                    catch (Exception e)
                    {
                        job.Fail(e);
                    }
                    Interlocked.Decrement(ref job.Pending);
                }
            }
        }

        // Spins for SpinMicroseconds, then parks, until the generation moves past `seen`.
        private void WaitForJob(int seen)
        {
            long deadline = Stopwatch.GetTimestamp() + s_spinTicks;
            while (true)
            {
                if (Volatile.Read(ref s_generation) != seen)
                {
                    return;
                }
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Park. NOTE: _parked is published (a full fence) before the generation is read again, and the caller
                // bumps the generation (a full fence) before reading _parked: one of the two sees the other's write.
                _wake.Reset();
                Interlocked.Exchange(ref _parked, 1);
                if (Volatile.Read(ref s_generation) == seen)
                {
                    _wake.Wait();
                }
                Interlocked.Exchange(ref _parked, 0);
                deadline = Stopwatch.GetTimestamp() + s_spinTicks;
            }
        }
    }
}

namespace ChainRule.Tests.Engine;

// The persistent worker team under the kernels: every task runs exactly once per job, on the thread the fixed
// assignment gives it, errors come back to the caller, and calls it cannot serve (nested, concurrent) run inline.
public class WorkerTeamTests
{
    [Fact]
    public void Every_task_runs_exactly_once_in_every_job()
    {
        for (int job = 0; job < 2000; job++)
        {
            int tasks = 1 + (job % 7); // more tasks than threads too
            var runs = new int[tasks];
            WorkerTeam.Run(tasks, t => Interlocked.Increment(ref runs[t]));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void Task_t_runs_on_thread_t_modulo_the_team_size()
    {
        int tasks = 2 * WorkerTeam.Size;
        int distinct = 0;
        // NOTE: while another test's job runs, this one runs inline (one thread): try until the team served it
        for (int attempt = 0; attempt < 1000 && distinct < WorkerTeam.Size; attempt++)
        {
            var threads = new int[tasks];
            WorkerTeam.Run(tasks, t => threads[t] = Environment.CurrentManagedThreadId);
            for (int t = 0; t < tasks; t++)
            {
                Assert.Equal(threads[t % WorkerTeam.Size], threads[t]);
            }
            Assert.Equal(Environment.CurrentManagedThreadId, threads[0]); // the caller is thread 0
            distinct = threads.Distinct().Count();
            Thread.Sleep(1);
        }
        Assert.Equal(WorkerTeam.Size, distinct);
    }

    [Fact]
    public void A_failing_task_reaches_the_caller_after_the_others_finished_and_the_team_goes_on()
    {
        int tasks = 4, finished = 0;
        var e = Assert.Throws<InvalidOperationException>(() => WorkerTeam.Run(tasks, t =>
        {
            if (t == tasks - 1)
            {
                throw new InvalidOperationException("task 3 failed");
            }
            Interlocked.Increment(ref finished);
        }));
        Assert.Equal("task 3 failed", e.Message);
        Assert.Equal(tasks - 1, finished);
        var runs = new int[tasks];
        WorkerTeam.Run(tasks, t => Interlocked.Increment(ref runs[t]));
        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void A_job_inside_a_task_runs_inline()
    {
        var inner = new int[4, 3];
        WorkerTeam.Run(4, t => WorkerTeam.Run(3, u => Interlocked.Increment(ref inner[t, u])));
        Assert.All(inner.Cast<int>(), r => Assert.Equal(1, r));
    }

    [Fact]
    public void Jobs_from_several_threads_at_once_all_complete()
    {
        const int Callers = 4, Jobs = 300;
        var totals = new long[Callers];
        Parallel.For(0, Callers, c =>
        {
            for (int j = 0; j < Jobs; j++)
            {
                var part = new long[3];
                WorkerTeam.Run(3, t => part[t] = t + 1);
                totals[c] += part.Sum();
            }
        });
        Assert.All(totals, total => Assert.Equal(6L * Jobs, total));
    }

    [Fact]
    public void A_parked_team_wakes_for_the_next_job()
    {
        for (int round = 0; round < 3; round++)
        {
            Thread.Sleep(2 * WorkerTeam.SpinMicroseconds / 1000 + 5); // long enough for the workers to park
            var runs = new int[WorkerTeam.Size];
            WorkerTeam.Run(runs.Length, t => Interlocked.Increment(ref runs[t]));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }
}

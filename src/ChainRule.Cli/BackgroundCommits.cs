using System.Diagnostics;
using ChainRule.IO;

namespace ChainRule.Cli;

/// <summary>
/// A run's checkpoints, written on another thread one at a time: <see cref="Save"/> waits for the previous commit (its
/// error surfaces there), takes the snapshot on the caller's thread and starts the next commit; <see cref="Wait"/>
/// before reading the manifest. <see cref="Blocked"/> is the time the training thread spent in both. Dispose waits for
/// the last commit without throwing (its error, if any, is already on its way).
/// </summary>
internal sealed class BackgroundCommits(CheckpointDirectory run) : IDisposable
{
    private readonly Stopwatch _blocked = new();
    private Task _pending = Task.CompletedTask;

    /// <summary>How many checkpoints were started.</summary>
    public int Count { get; private set; }

    public TimeSpan Blocked => _blocked.Elapsed;

    public void Save(Func<RunFiles.Snapshot> take)
    {
        _blocked.Start();
        try
        {
            _pending.GetAwaiter().GetResult();
            RunFiles.Snapshot snapshot = take();
            _pending = Task.Run(() => RunFiles.Commit(run, snapshot, FaultInjection.Hit));
            Count++;
        }
        finally
        {
            _blocked.Stop();
        }
    }

    public void Wait()
    {
        _blocked.Start();
        try
        {
            _pending.GetAwaiter().GetResult();
        }
        finally
        {
            _blocked.Stop();
        }
    }

    public void Dispose()
    {
        try
        {
            _pending.Wait();
        }
        catch (AggregateException)
        {
        }
    }
}

using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ChainRule.Fuzz;

/// <summary>
/// The child process's side: reads inputs start .. start + count - 1 of one target and writes one line per input to
/// stdout, flushed, so the parent knows which input was running if the process dies.
/// </summary>
/// <remarks>
/// A line: <c>{index} {outcome} {milliseconds} {allocated bytes} {limit}</c>, and for anything but a clean result a tab,
/// the exception and a tab, the mutations. Outcomes: accepted, refused, unnamed (a documented exception whose message
/// does not name the file), crash (an undocumented exception), hang (over
/// <see cref="HangSeconds"/>, timed twice), alloc (more than <see cref="AllocationLimit"/>).
/// </remarks>
public static class Child
{
    public const double HangSeconds = 1.0;

    /// <summary>64 MiB plus 100 times the input's size, as issue 11 asks.</summary>
    public static long AllocationLimit(long size) => (64L << 20) + (100 * size);

    /// <summary>The input number <paramref name="index"/> of <paramref name="target"/> for run seed <paramref name="seed"/>, and how it was made.</summary>
    public static (byte[] Input, List<string> Log) Input(FuzzTarget target, IReadOnlyList<byte[]> seeds, int seed, long index)
    {
        var random = new Random(InputSeed(target.Name, seed, index));
        int k = random.Next(seeds.Count);
        var log = new List<string> { $"seed input {k}" };
        byte[] input = target.Prepare(seeds[k], new Mutator(random, target.Tokens), random, log);
        return (input, log);
    }

    public static int Run(FuzzTarget target, int seed, long start, long count, string directory)
    {
        Directory.CreateDirectory(directory);
        IReadOnlyList<byte[]> seeds = target.CreateSeeds(directory);
        TextWriter output = Console.Out;
        // the seeds themselves must be accepted (this also compiles the reader's code before anything is timed)
        for (int k = 0; k < seeds.Count; k++)
        {
            try
            {
                target.Read(seeds[k], directory);
            }
            catch (Exception e)
            {
                output.WriteLine($"seed {k} is refused: {e.GetType().Name}: {e.Message}");
                output.Flush();
                return 2;
            }
        }
        output.WriteLine("ready");
        output.Flush();
        for (long i = start; i < start + count; i++)
        {
            (byte[] input, List<string> log) = Input(target, seeds, seed, i);
            long limit = AllocationLimit(target.Size(input));
            (string outcome, double ms, long allocated, Exception? error) = Measure(target, input, directory);
            if (outcome != "crash" && ms > HangSeconds * 1000)
            {
                // a second timing, so that a pause of the machine (a GC, another process) is not taken for a hang
                (_, double again, _, _) = Measure(target, input, directory);
                ms = Math.Min(ms, again);
                outcome = ms > HangSeconds * 1000 ? "hang" : outcome;
            }
            if (outcome != "crash" && outcome != "hang" && allocated > limit)
            {
                outcome = "alloc";
            }
            string line = $"{i} {outcome} {ms:F1} {allocated} {limit}";
            if (outcome is not ("accepted" or "refused"))
            {
                string problem = error is null ? "" : $"{error.GetType().FullName}: {OneLine(error.Message)} at {OneLine(error.StackTrace ?? "")}";
                line += $"\t{problem}\t{OneLine(string.Join("; ", log))}";
            }
            output.WriteLine(line);
            output.Flush();
        }
        return 0;
    }

    private static (string Outcome, double Ms, long Allocated, Exception? Error) Measure(FuzzTarget target, byte[] input, string directory)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        long started = Stopwatch.GetTimestamp();
        string outcome;
        Exception? error = null;
        try
        {
            target.Read(input, directory);
            outcome = "accepted";
        }
        catch (Exception e) when (target.Refusals.Contains(e.GetType()))
        {
            // a refusal names what was wrong: the file (and where in it), or the spec
            (outcome, error) = target.Names is string name && !e.Message.Contains(name, StringComparison.Ordinal) ? ("unnamed", e) : ("refused", null);
        }
        catch (Exception e)
        {
            (outcome, error) = ("crash", e);
        }
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return (outcome, ms, GC.GetAllocatedBytesForCurrentThread() - before, error);
    }

    // A stable hash: string.GetHashCode differs from process to process.
    private static int InputSeed(string name, int seed, long index)
    {
        ulong h = 14695981039346656037;
        foreach (char c in name)
        {
            h = (h ^ c) * 1099511628211;
        }
        h = (h ^ (uint)seed) * 1099511628211;
        h = (h ^ (ulong)index) * 1099511628211;
        return (int)(h ^ (h >> 32));
    }

    private static string OneLine(string text)
    {
        string line = text.ReplaceLineEndings(" | ").Replace('\t', ' ');
        return line.Length > 600 ? line[..600] + "..." : line;
    }

    /// <summary>Runs one input in this process, rethrowing what the reader threw: for a debugger or a stack trace.</summary>
    public static void Reproduce(FuzzTarget target, int seed, long index, string directory, string? save)
    {
        Directory.CreateDirectory(directory);
        IReadOnlyList<byte[]> seeds = target.CreateSeeds(directory);
        (byte[] input, List<string> log) = Input(target, seeds, seed, index);
        Console.WriteLine($"{target.Name} seed {seed} input {index}: {input.Length} bytes, {string.Join("; ", log)}");
        if (save is not null)
        {
            File.WriteAllBytes(save, input);
            Console.WriteLine($"written to {save}");
        }
        (string outcome, double ms, long allocated, Exception? error) = Measure(target, input, directory);
        Console.WriteLine($"{outcome} in {ms:F1} ms, {allocated:N0} bytes allocated (limit {AllocationLimit(target.Size(input)):N0})");
        if (error is not null)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }
}

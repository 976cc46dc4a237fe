using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ChainRule.Cli.Tests;

// A training process killed with SIGKILL (at chosen steps of a checkpoint commit, and at random moments) and resumed
// each time ends with the weights of an uninterrupted run, bit for bit; after every kill the directory is one that
// 'evaluate' reads correctly: the model of the last committed epoch, or a clear "nothing yet".
public class CrashResumeTests
{
    // a small MLP with dropout on (its generator's state must survive the kill too), two threads in every process
    private static readonly string[] s_run = ["train", "--hidden", "16", "--epochs", "5", "--threads", "2", "--seed", "7"];

    [Fact]
    public void Killed_at_every_step_of_a_commit_and_resumed_it_ends_bit_identical_to_an_uninterrupted_run()
    {
        using var dir = new TempDirectory();
        string reference = Path.Combine(dir.Path, "reference");
        Assert.Equal(0, Child.Run([.. s_run, "--out", reference]).ExitCode);
        string[] referenceMetrics = DeterministicColumns(Path.Combine(reference, "metrics.csv"));

        string killed = Path.Combine(dir.Path, "killed");
        // each process dies at the named step of its Nth commit (or publish), the next one resumes
        string[] faults =
        [
            "model-written:1", "files-written:2", "folder-renamed:1", "manifest-written:2", "cleaned:1",
            "published-model.safetensors", "published-config.json", "published-metrics.csv",
        ];
        foreach (string fault in faults)
        {
            // until a first checkpoint is current, there is nothing to resume: the run starts again
            bool started = File.Exists(Path.Combine(killed, "current.json"));
            Child.Result r = Child.Run(started ? ["train", "--resume", killed] : [.. s_run, "--out", killed], fault);
            Assert.True(r.Killed, $"{fault}: expected the process to be killed, it exited {r.ExitCode}:\n{r.Output}\n{r.Error}");
            AssertReadsConsistently(killed, referenceMetrics);
        }
        Child.Result last = Child.Run(["train", "--resume", killed]);
        Assert.Equal(0, last.ExitCode);
        AssertSameRun(reference, killed, referenceMetrics);
    }

    [Fact]
    public void Killed_at_ten_random_moments_and_resumed_it_ends_bit_identical_to_an_uninterrupted_run()
    {
        using var dir = new TempDirectory();
        string reference = Path.Combine(dir.Path, "reference");
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, Child.Run([.. s_run, "--out", reference]).ExitCode);
        double seconds = watch.Elapsed.TotalSeconds;
        string[] referenceMetrics = DeterministicColumns(Path.Combine(reference, "metrics.csv"));

        // rounds of one run each, killed and resumed until it completes, until ten kills have landed
        var random = new Random(20261203);
        int kills = 0, rounds = 0, attempts = 0;
        while (kills < 10)
        {
            string killed = Path.Combine(dir.Path, $"killed-{rounds++}");
            // NOTE: until a process exits by itself: one killed after the final commit but before publishing leaves a
            // complete current.json without model.safetensors at the top, which the next resume publishes
            bool finished = false;
            while (!finished)
            {
                Assert.True(++attempts < 60, $"{kills} kills in {attempts} processes");
                bool started = File.Exists(Path.Combine(killed, "current.json"));
                string[] args = started ? ["train", "--resume", killed] : [.. s_run, "--out", killed];
                Child.Result r = Child.Run(args, killAfter: TimeSpan.FromSeconds(seconds * random.NextDouble()));
                if (r.Killed)
                {
                    kills++;
                    AssertReadsConsistently(killed, referenceMetrics);
                }
                else
                {
                    Assert.True(r.ExitCode == 0, r.Error);
                    finished = true;
                }
            }
            AssertSameRun(reference, killed, referenceMetrics);
        }
    }

    // What a user would see: evaluate either says there is nothing yet, or scores the model of the committed epoch,
    // exactly as the uninterrupted run scored that epoch.
    private static void AssertReadsConsistently(string run, string[] referenceMetrics)
    {
        Cli.Result evaluated = Cli.Run("evaluate", "--model", run);
        if (!File.Exists(Path.Combine(run, "current.json")))
        {
            Assert.NotEqual(0, evaluated.ExitCode);
            Assert.DoesNotContain("   at ", evaluated.Error);
            return;
        }
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Match epoch = Regex.Match(File.ReadAllText(Path.Combine(run, "current.json")), "\"epoch\": (\\d+)");
        int k = int.Parse(epoch.Groups[1].Value, CultureInfo.InvariantCulture);
        double expected = double.Parse(referenceMetrics[k].Split(',')[4], CultureInfo.InvariantCulture);
        Assert.Contains($"accuracy {expected * 100:F2}%", evaluated.Output);
    }

    private static void AssertSameRun(string reference, string resumed, string[] referenceMetrics)
    {
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
        Assert.Equal(referenceMetrics, DeterministicColumns(Path.Combine(resumed, "metrics.csv"))); // no duplicate or missing rows
        string checkpoints = Path.Combine(resumed, "checkpoints");
        Assert.True(Directory.GetDirectories(checkpoints).Length <= 2, string.Join(", ", Directory.GetDirectories(checkpoints)));
        Assert.Empty(Directory.GetFileSystemEntries(resumed, "*.tmp", SearchOption.AllDirectories));
    }

    // epoch, losses and accuracies: everything but the timings
    private static string[] DeterministicColumns(string metrics) =>
        [.. File.ReadAllLines(metrics).Select(line => string.Join(',', line.Split(',').Take(5)))];

    /// <summary>The chainrule command in a child process, so it can be killed like a real run.</summary>
    private static class Child
    {
        public sealed record Result(int ExitCode, bool Killed, string Output, string Error);

        public static Result Run(string[] args, string? faultAt = null, TimeSpan? killAfter = null)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ChainRule.Cli.dll"));
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }
            start.Environment.Remove("CHAINRULE_FAULT_AT");
            if (faultAt is not null)
            {
                start.Environment["CHAINRULE_FAULT_AT"] = faultAt;
            }
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            bool killedByUs = false;
            if (killAfter is TimeSpan delay && !process.WaitForExit(delay))
            {
                process.Kill(); // SIGKILL: no finally blocks, no flushing, as a power cut or the OOM killer
                killedByUs = true;
            }
            // a generous bound only so a hung child fails the test instead of hanging CI
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill();
                throw new TimeoutException($"chainrule {string.Join(' ', args)} did not finish in 3 minutes");
            }
            // 137 = 128 + SIGKILL: what the shell reports for a process killed by the fault injection
            return new Result(process.ExitCode, killedByUs || process.ExitCode == 137, output.Result, error.Result);
        }
    }
}

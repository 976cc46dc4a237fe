using ChainRule.IO;

namespace ChainRule.Cli.Tests;

// train --resume: the recorded options win, a conflicting one is refused in a line; a finished run has nothing to
// resume; a directory without a checkpoint is named; one run at a time per directory; --detect-anomaly names the op.
public class ResumeTests
{
    private static readonly string[] s_quick = ["--hidden", "16", "--epochs", "3", "--threads", "1"];

    [Fact]
    public void An_interrupted_run_resumed_in_process_matches_the_uninterrupted_one_and_evaluate_says_it_is_unfinished()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, Cli.Run(["train", .. s_quick, "--out", dir.File("whole")]).ExitCode);
        // the same run stopped after its first checkpoint: the manifest rolled back to epoch 1, as a kill would leave it
        Assert.Equal(0, Cli.Run(["train", .. s_quick, "--save-every", "2", "--out", dir.File("cut")]).ExitCode);
        Assert.Equal(0, Cli.Run(["train", .. s_quick, "--out", dir.File("cut1")]).ExitCode);
        string cut = dir.File("cut1");
        string manifest = File.ReadAllText(Path.Combine(cut, "current.json"));
        File.WriteAllText(Path.Combine(cut, "current.json"), manifest
            .Replace("\"current\": \"checkpoints/epoch-0003\"", "\"current\": \"checkpoints/epoch-0002\"")
            .Replace("\"epoch\": 3", "\"epoch\": 2").Replace("\"complete\": true", "\"complete\": false"));
        string evaluated = System.Text.RegularExpressions.Regex.Replace(Cli.Run("evaluate", "--model", cut).Output, @"\s+", " "); // unwrapped
        Assert.Contains("holds the checkpoint of epoch 2 of 3", evaluated);
        Assert.Contains($"'chainrule train --resume {cut}' continues it.", evaluated);

        Cli.Result resumed = Cli.Run("train", "--resume", cut);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("Resuming after epoch 2 of 3", resumed.Output);
        Assert.DoesNotContain("epoch   2/3", resumed.Output);
        Assert.Contains("epoch   3/3", resumed.Output);
        Assert.Equal(File.ReadAllBytes(dir.File("whole/model.safetensors")), File.ReadAllBytes(Path.Combine(cut, "model.safetensors")));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(cut, "metrics.csv")).Length);
        // --save-every 2 of 3 epochs: epoch 2 and the last
        Assert.Equal(["epoch-0002", "epoch-0003"], Directory.GetDirectories(dir.File("cut/checkpoints")).Select(p => Path.GetFileName(p)!).Order().ToArray());
        Assert.Equal(File.ReadAllBytes(dir.File("whole/model.safetensors")), File.ReadAllBytes(dir.File("cut/model.safetensors")));

        Cli.Result again = Cli.Run("train", "--resume", cut);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("Nothing to resume: the run in", again.Output);
    }

    [Fact]
    public void A_conflicting_option_is_refused_and_the_recorded_ones_are_accepted()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, Cli.Run(["train", .. s_quick, "--out", dir.Path]).ExitCode);
        Cli.AssertOneLineError(Cli.Run("train", "--resume", dir.Path, "--lr", "0.01"),
            "--resume: --lr 0.01 conflicts with the run's recorded 0.001");
        Cli.AssertOneLineError(Cli.Run("train", "--resume", dir.Path, "--hidden", "32"), "--hidden 32 conflicts with the run's recorded 16");
        Cli.AssertOneLineError(Cli.Run("train", "--resume", dir.Path, "--augment"), "--augment true conflicts with the run's recorded false");
        Assert.Equal(0, Cli.Run("train", "--resume", dir.Path, "--hidden", "16", "--epochs", "3", "--lr", "0.001").ExitCode);
    }

    [Fact]
    public void Resuming_nothing_is_refused_naming_the_directory()
    {
        using var dir = new TempDirectory();
        Cli.AssertOneLineError(Cli.Run("train", "--resume", dir.File("nowhere")), "--resume '");
        Cli.AssertOneLineError(Cli.Run("train", "--resume", dir.Path), "no checkpoint to resume");
        File.WriteAllText(dir.File("current.json"), "{\"format\": \"chainrule-checkpoints\", \"version\": 1, \"current\": \"../../etc\", \"epoch\": 1, \"history\": [\"../../etc\"]}");
        Cli.AssertOneLineError(Cli.Run("train", "--resume", dir.Path), "current.json: 'current' must name a folder checkpoints/epoch-NNNN, got '../../etc'.");
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", dir.Path), "current.json: 'current' must name a folder");
    }

    [Fact]
    public void A_second_run_into_a_directory_in_use_is_refused()
    {
        using var dir = new TempDirectory();
        using (new CheckpointDirectory(dir.Path).Lock())
        {
            Cli.AssertOneLineError(Cli.Run(["train", .. s_quick, "--out", dir.Path]), "in use by another training run");
        }
        Assert.Equal(0, Cli.Run(["train", .. s_quick, "--out", dir.Path]).ExitCode);
    }

    [Fact]
    public void Detect_anomaly_reruns_the_diverging_step_and_names_the_op()
    {
        using var dir = new TempDirectory();
        Cli.Result r = Cli.Run("train", "--optimizer", "sgd", "--lr", "100", "--epochs", "2", "--detect-anomaly", "--out", dir.File("run"));
        Assert.Equal(3, r.ExitCode);
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^chainrule: training diverged at epoch 1, step \d+: the loss is NaN\. In anomaly mode: \w+ produced NaN or infinity in (forward|backward).* created at .*\. Nothing was saved\.$", line);
    }
}

// The live display on a terminal: every row of the progress display fits the console's width (80 columns here), so
// nothing wraps under tmux; the epoch lines come once, in the table after.
public class ProgressDisplayTests
{
    [Fact]
    public void Progress_rows_fit_an_80_column_terminal()
    {
        using var dir = new TempDirectory();
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(["train", "--hidden", "16", "--epochs", "2", "--threads", "1", "--out", dir.Path], output, error, interactive: true);
        Assert.True(code == 0, error.ToString());
        string plain = System.Text.RegularExpressions.Regex.Replace(output.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]", "");
        string[] rows = plain.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        string[] progress = [.. rows.Where(r => r.StartsWith("epoch ", StringComparison.Ordinal))];
        Assert.NotEmpty(progress);
        Assert.All(progress, r => Assert.True(r.TrimEnd().Length <= 80, $"{r.TrimEnd().Length} columns: '{r}'"));
        // the bar, the percentage and the elapsed time on the row of their epoch, not wrapped below it
        Assert.All(progress, r => Assert.Matches(@"\S+\s+\d+% \d\d:\d\d:\d\d$", r.TrimEnd()));
        Assert.Contains(rows, r => r.StartsWith("epoch   2/2  test acc", StringComparison.Ordinal));
    }
}

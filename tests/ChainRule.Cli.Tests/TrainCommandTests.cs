using System.Text.Json;

namespace ChainRule.Cli.Tests;

// Small, fast runs on the built-in digits (a few seconds each): the files a run leaves, reproducibility,
// and every user-error path ending in one clear line.
public class TrainCommandTests
{
    private static readonly string[] s_quick = ["--hidden", "32", "--epochs", "2", "--batch-size", "128"];

    [Fact]
    public void Train_writes_the_model_config_metrics_and_curves()
    {
        using var dir = new TempDirectory();
        Cli.Result result = Cli.Run(["train", .. s_quick, "--out", dir.Path]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("epoch   2/2", result.Output);
        Assert.Contains("test accuracy", result.Output);

        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(dir.File("config.json")));
        Assert.Equal(784, config.RootElement.GetProperty("model").GetProperty("inputs").GetInt32());
        Assert.Equal(32, config.RootElement.GetProperty("model").GetProperty("hidden")[0].GetInt32());
        Assert.Equal(10, config.RootElement.GetProperty("data").GetProperty("classNames").GetArrayLength());
        string[] metrics = File.ReadAllLines(dir.File("metrics.csv"));
        Assert.Equal(3, metrics.Length);
        Assert.StartsWith("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds", metrics[0]);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(dir.File("curves.png"))[..4]);
        Assert.Equal([".lock", "config.json", "current.json", "curves.png", "metrics.csv", "model.safetensors"], Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());
        // one checkpoint per epoch, the last two kept; the manifest names the final one, the published files are its copies
        Assert.Equal(["epoch-0001", "epoch-0002"], Directory.GetDirectories(dir.File("checkpoints")).Select(f => Path.GetFileName(f)!).Order().ToArray());
        Assert.Equal(dir.File("checkpoints/epoch-0002"), RunFiles.CurrentFolder(dir.Path));
        foreach (string name in new[] { "model.safetensors", "config.json", "metrics.csv" })
        {
            Assert.Equal(File.ReadAllBytes(dir.File("checkpoints/epoch-0002/" + name)), File.ReadAllBytes(dir.File(name)));
        }
        Assert.Equal(["config.json", "metrics.csv", "model.safetensors", "training-state.safetensors"],
            Directory.GetFiles(dir.File("checkpoints/epoch-0002")).Select(f => Path.GetFileName(f)!).Order().ToArray());
        Assert.Matches(@"2 checkpoints cost the training loop \d+\.\d\d s \(\d+\.\d% of the training time; written in the background\)\.", System.Text.RegularExpressions.Regex.Replace(result.Output, @"\s+", " "));
    }

    [Fact]
    public void Same_seed_and_threads_give_bit_identical_weights_and_metrics()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        string[] args = [.. s_quick, "--seed", "7", "--threads", "2"]; // dropout on (the default): its masks must repeat too
        Assert.Equal(0, Cli.Run(["train", .. args, "--out", a.Path]).ExitCode);
        Assert.Equal(0, Cli.Run(["train", .. args, "--out", b.Path]).ExitCode);
        Assert.Equal(File.ReadAllBytes(a.File("model.safetensors")), File.ReadAllBytes(b.File("model.safetensors")));
        Assert.Equal(WithoutTimings(a.File("metrics.csv")), WithoutTimings(b.File("metrics.csv")));
        using var c = new TempDirectory();
        Assert.Equal(0, Cli.Run(["train", .. s_quick, "--seed", "8", "--out", c.Path]).ExitCode);
        Assert.NotEqual(File.ReadAllBytes(a.File("model.safetensors")), File.ReadAllBytes(c.File("model.safetensors")));
    }

    // epoch, losses and accuracies; seconds and samples/s are wall-clock and differ run to run.
    private static string[] WithoutTimings(string path) =>
        File.ReadAllLines(path).Select(line => string.Join(',', line.Split(',').Where((_, i) => i is not (5 or 6)))).ToArray();

    [Fact]
    public void One_epoch_on_one_thread_is_said_in_the_singular()
    {
        using var dir = new TempDirectory();
        Cli.Result r = Cli.Run("train", "--hidden", "16", "--epochs", "1", "--threads", "1", "--out", dir.Path);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains(" 1 epoch, batch 64, adamw lr 0.001, 1 thread.", r.Output);
        Assert.Contains(" after 1 epoch in ", r.Output);
        Assert.Single(r.Output.Split('\n'), l => l.Contains("samples/s", StringComparison.Ordinal)); // piped: the epoch line, not again as a table

        // evaluate draws confusion.png; retraining into the folder removes it with the old model
        Assert.Equal(0, Cli.Run("evaluate", "--model", dir.Path).ExitCode);
        Assert.True(File.Exists(Path.Combine(dir.Path, "confusion.png")));
        Assert.Equal(0, Cli.Run("train", "--hidden", "16", "--epochs", "1", "--threads", "1", "--out", dir.Path).ExitCode);
        Assert.False(File.Exists(Path.Combine(dir.Path, "confusion.png")));
    }

    [Fact]
    public void Regression_predict_prints_plain_numbers()
    {
        using var dir = new TempDirectory();
        var lines = new List<string> { "a,b,y" };
        var random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            double a = random.NextDouble(), b = random.NextDouble();
            lines.Add(FormattableString.Invariant($"{a},{b},{(2 * a) - b + 0.5}"));
        }
        File.WriteAllLines(dir.File("linear.csv"), lines);
        Assert.Equal(0, Cli.Run("train", "--data", dir.File("linear.csv"), "--loss", "mse", "--hidden", "8", "--epochs", "2", "--out", dir.File("run")).ExitCode);
        Cli.Result r = Cli.Run("predict", "--model", dir.File("run"), "--index", "0");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"test example 0 \(true: -?[0-9.]+\): predicted -?[0-9.]+(e-?\d+)?\s*$", r.Output);
        Assert.DoesNotContain("tensor", r.Output);
    }

    [Theory]
    [InlineData("--lr", "inf", "--lr 'inf': expected a number, e.g. 0.01.")]
    [InlineData("--epochs", "x", "--epochs 'x': expected a whole number.")]
    [InlineData("--seed", "-1", "--seed '-1': expected a whole number of 0 or more.")]
    public void Values_that_do_not_parse_are_described_in_words_not_dotnet_types(string option, string value, string expected)
    {
        Cli.Result r = Cli.Run("train", option, value);
        Assert.Equal(2, r.ExitCode);
        Cli.AssertOneLineError(r, expected);
        Assert.DoesNotContain("System.", r.Error);
    }

    [Theory]
    [InlineData("--lr", "-1", "--lr -1")]
    [InlineData("--lr", "abc", "abc")]
    [InlineData("--data", "nowhere", "--data 'nowhere'")]
    [InlineData("--hidden", "12,x", "--hidden '12,x'")]
    [InlineData("--loss", "hinge", "--loss 'hinge'")]
    [InlineData("--optimizer", "lbfgs", "--optimizer 'lbfgs'")]
    [InlineData("--activation", "swish", "--activation 'swish'")]
    [InlineData("--dropout", "1.5", "--dropout 1.5")]
    [InlineData("--epochs", "0", "--epochs 0")]
    [InlineData("--momentum", "5", "--momentum 5: must be in [0, 1)")]
    [InlineData("--test-fraction", "0", "--test-fraction 0: must be in (0, 1)")]
    [InlineData("--bogus", "1", "--bogus")]
    public void Bad_options_give_one_clear_line(string option, string value, string expected) =>
        Cli.AssertOneLineError(Cli.Run("train", option, value), expected);

    [Fact]
    public void Corrupt_data_directory_names_the_file_and_offset()
    {
        using var dir = new TempDirectory();
        foreach (string name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            File.WriteAllBytes(dir.File(name), [0, 0, 8, 3, 0, 0]); // a header cut short
        }
        Cli.AssertOneLineError(Cli.Run("train", "--data", dir.Path, "--epochs", "1"), "byte ");
    }

    [Fact]
    public void Trains_on_a_csv_file_for_classification()
    {
        // Real data in CSV form: the first 600 built-in digits, downsampled to 7x7 pixels, label last.
        using var dir = new TempDirectory();
        (Data.Dataset train, _) = Data.Mnist.Digits();
        var lines = new List<string> { string.Join(',', Enumerable.Range(0, 49).Select(i => $"p{i}")) + ",digit" };
        for (int n = 0; n < 600; n++)
        {
            float[] image = train.Features.Select(0, n).ToArray();
            var cells = new List<string>();
            for (int r = 0; r < 7; r++)
            {
                for (int c = 0; c < 7; c++)
                {
                    double sum = 0;
                    for (int y = 0; y < 4; y++)
                    {
                        for (int x = 0; x < 4; x++)
                        {
                            sum += image[((r * 4) + y) * 28 + (c * 4) + x];
                        }
                    }
                    cells.Add((sum / 16).ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            lines.Add(string.Join(',', cells) + "," + train.Labels[n]);
        }
        File.WriteAllLines(dir.File("digits.csv"), lines);
        Cli.Result result = Cli.Run("train", "--data", dir.File("digits.csv"), "--hidden", "64", "--epochs", "40", "--dropout", "0", "--out", dir.File("run"));
        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(dir.File("run/config.json")));
        Assert.Equal(49, config.RootElement.GetProperty("data").GetProperty("featureMean").GetArrayLength());
        Cli.Result evaluation = Cli.Run("evaluate", "--model", dir.File("run"));
        Assert.Equal(0, evaluation.ExitCode);
        double accuracy = double.Parse(evaluation.Output.Split("accuracy ")[1].Split('%')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy > 60, evaluation.Output); // 10 classes from 49 coarse pixels and 480 examples: far above chance
    }
}

using ChainRule.IO;

namespace ChainRule.Cli.Tests;

// The divergence guard: a run whose loss becomes NaN stops at that step with exit code 3 and saves nothing;
// a model with non-finite weights is refused by evaluate and predict.
public class DivergenceTests
{
    [Fact]
    public void A_diverging_run_stops_with_exit_code_3_names_the_step_and_saves_nothing()
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "run");
        Cli.Result r = Cli.Run("train", "--optimizer", "sgd", "--lr", "100", "--epochs", "3", "--out", output);
        Assert.Equal(3, r.ExitCode);
        string[] lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Matches(@"^chainrule: training diverged at epoch 1, step \d+: the loss is NaN\. .* Nothing was saved\.$", lines[0]);
        Assert.DoesNotContain("Done", r.Output);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Evaluate_and_predict_refuse_a_model_with_non_finite_weights()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, Cli.Run("train", "--hidden", "16", "--epochs", "1", "--out", dir.Path).ExitCode);
        string model = Path.Combine(RunFiles.CurrentFolder(dir.Path), "model.safetensors"); // evaluate reads through current.json
        SafetensorsFile file = Safetensors.Load(model);
        var tensors = file.Tensors.Select(t =>
        {
            if (t.Key != "0.weight")
            {
                return t;
            }
            float[] values = t.Value.ToArray();
            values[7] = float.NaN;
            return new KeyValuePair<string, Tensor>(t.Key, Tensor.FromArray(values, t.Value.Shape));
        }).ToList();
        Safetensors.Save(model, tensors, file.Metadata);

        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", dir.Path), "parameter '0.weight' (16, 784) holds NaN or infinite values");
        Cli.AssertOneLineError(Cli.Run("predict", "--model", dir.Path, "--index", "0"), "holds NaN or infinite values");
    }
}

// The test loss train prints is the quantity evaluate prints (label smoothing only in the training loss).
public class LossReportingTests
{
    [Fact]
    public void Train_and_evaluate_report_the_same_test_loss()
    {
        using var dir = new TempDirectory();
        Cli.Result trained = Cli.Run("train", "--hidden", "32", "--epochs", "2", "--label-smoothing", "0.2", "--out", dir.Path);
        Assert.Equal(0, trained.ExitCode);
        Assert.Contains("The train loss includes label smoothing 0.2; the test loss is plain cross-entropy", trained.Output);
        string epoch = trained.Output.Split('\n').Last(l => l.StartsWith("epoch   2/2", StringComparison.Ordinal));
        string testLoss = epoch.Split("test loss ")[1].Split(' ')[0];
        Cli.Result evaluated = Cli.Run("evaluate", "--model", dir.Path);
        Assert.Contains($"loss {testLoss}", evaluated.Output);
    }
}

public class ClassMismatchTests
{
    [Fact]
    public void Evaluating_on_data_with_other_class_names_warns()
    {
        using var dir = new TempDirectory();
        var random = new Random(1);
        string Rows(string first, string second) => string.Join("\n", new[] { "u,v,label" }.Concat(Enumerable.Range(0, 60).Select(i =>
            FormattableString.Invariant($"{random.NextDouble()},{random.NextDouble()},{(i % 2 == 0 ? first : second)}"))));
        File.WriteAllText(dir.File("ab.csv"), Rows("apple", "banana"));
        File.WriteAllText(dir.File("xy.csv"), Rows("xylophone", "yodel"));
        Assert.Equal(0, Cli.Run("train", "--data", dir.File("ab.csv"), "--hidden", "4", "--epochs", "1", "--out", dir.File("run")).ExitCode);

        Cli.Result same = Cli.Run("evaluate", "--model", dir.File("run"), "--data", dir.File("ab.csv"));
        Assert.DoesNotContain("warning", same.Output);
        Cli.Result other = Cli.Run("evaluate", "--model", dir.File("run"), "--data", dir.File("xy.csv"));
        Assert.Equal(0, other.ExitCode);
        Assert.Contains("classes (xylophone, yodel) are not the ones the model was trained on (apple, banana); they are matched by position.", other.Output);
    }
}

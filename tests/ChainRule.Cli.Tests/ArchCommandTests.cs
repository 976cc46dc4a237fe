using System.Text.Json;

namespace ChainRule.Cli.Tests;

// train --arch: a small convolutional network on the built-in digits (seconds), the architecture recorded in
// config.json and the weights file so evaluate, predict and Checkpoint.LoadNetwork rebuild it, and every bad
// spec or option combination refused in one line naming what was wrong.
public class ArchCommandTests
{
    private const string Tiny = "conv4k3-bn-relu-pool2-fc10";

    [Fact]
    public void A_cnn_trains_with_augmentation_and_evaluate_and_predict_rebuild_it()
    {
        using var dir = new TempDirectory();
        Cli.Result train = Cli.Run("train", "--arch", Tiny, "--augment", "--epochs", "1", "--batch-size", "128", "--out", dir.Path);
        Assert.True(train.ExitCode == 0, train.Error);
        // conv 1 -> 4: 36 + 4, batch norm 4 + 4, fc 784 -> 10: 7,850
        Assert.Contains($"Training {Tiny} (7,898 parameters) on digits: 8,000 train / 2,000 test examples, shifts,", train.Output);

        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(dir.File("config.json")));
        JsonElement network = config.RootElement.GetProperty("network");
        Assert.Equal(Tiny, network.GetProperty("architecture").GetString());
        Assert.Equal([1, 28, 28], network.GetProperty("inputShape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.False(config.RootElement.TryGetProperty("model", out _));

        Cli.Result evaluation = Cli.Run("evaluate", "--model", dir.Path);
        Assert.True(evaluation.ExitCode == 0, evaluation.Error);
        Assert.Contains($"model {Tiny} from", evaluation.Output);
        double accuracy = double.Parse(evaluation.Output.Split("accuracy ")[1].Split('%')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy > 50, evaluation.Output); // one epoch (63 steps) of a 7,898-parameter CNN: far above chance (10%)
        Assert.Contains(evaluation.Output.Split("accuracy ")[1].Split('%')[0], train.Output); // the same model, the same number

        Cli.Result predict = Cli.Run("predict", "--model", dir.Path, "--index", "0");
        Assert.True(predict.ExitCode == 0, predict.Error);

        // the weights file alone is enough for the library
        NN.Sequential rebuilt = IO.Checkpoint.LoadNetwork(dir.File("model.safetensors"));
        Assert.Equal(Tiny.Split('-').Length + 2, rebuilt.Layers.Count); // Unflatten, the tokens, and the Flatten before fc10
    }

    [Fact]
    public void Default_cnn_is_the_two_convolution_network()
    {
        using var dir = new TempDirectory();
        // one step's worth of checking: --help names the default and the grammar
        Cli.Result help = Cli.Run("train", "--help");
        Assert.Contains("conv32k3-bn-relu-pool2-conv64k3-bn-relu-pool2-fc128-relu-dropout0.3-fc10", help.Output.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal));
        Assert.Contains("conv{C}k{K}", help.Output);
    }

    [Fact]
    public void Arch_cnn_defaults_to_20_epochs_of_batch_32_unless_told_and_the_mlp_keeps_30_of_64()
    {
        // the first 64 training and 16 test digits as an MNIST directory
        using var dir = new TempDirectory();
        (Data.Dataset train, Data.Dataset test) = Data.Mnist.Digits();
        foreach ((string prefix, Data.Dataset set, int n) in new[] { ("train", train, 64), ("t10k", test, 16) })
        {
            float[] pixels = [.. set.Features.Slice(0, 0, n).Contiguous().ToArray().Select(p => MathF.Round(p * 255))];
            Data.Idx.Write(dir.File($"{prefix}-images-idx3-ubyte"), Tensor.FromArray(pixels, new Shape(n, 28, 28)), Data.IdxType.UInt8);
            Data.Idx.Write(dir.File($"{prefix}-labels-idx1-ubyte"), set.Labels.Slice(0, 0, n).To(DType.Float32), Data.IdxType.UInt8);
        }
        (int Epochs, int BatchSize) Recorded(params string[] options)
        {
            string run = dir.File($"run-{Guid.NewGuid():N}");
            Cli.Result result = Cli.Run(["train", "--data", dir.Path, "--save-every", "100", "--out", run, .. options]);
            Assert.True(result.ExitCode == 0, result.Error);
            using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
            JsonElement training = config.RootElement.GetProperty("training");
            return (training.GetProperty("epochs").GetInt32(), training.GetProperty("batchSize").GetInt32());
        }
        Assert.Equal((20, 32), (Commands.TrainCommand.CnnEpochs, Commands.TrainCommand.CnnBatchSize));
        Assert.Equal((20, 32), Recorded("--arch", "cnn"));
        Assert.Equal((2, 64), Recorded("--arch", "cnn", "--epochs", "2", "--batch-size", "64"));
        Assert.Equal((30, 64), Recorded("--arch", Tiny));
        Assert.Equal((30, 64), Recorded("--hidden", "8"));
        string help = Cli.Run("train", "--help").Output.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        Assert.Contains("(32with--archcnn)[default:64]", help);
        Assert.Contains("(20with--archcnn)[default:30]", help);
    }

    [Theory]
    [InlineData("conv4k3-bnx-fc10", "token 2 'bnx' is not understood")]
    [InlineData("conv4k3-pool64-fc10", "token 2 'pool64' has a 64 x 64 window, larger than its 28 x 28 input")]
    [InlineData("conv4k3s0-fc10", "token 1 'conv4k3s0' has s = 0")]
    [InlineData("conv4k31p0-fc10", "token 1 'conv4k31p0' has a 31 x 31 receptive field, larger than its padded 28 x 28 input")]
    [InlineData("conv4k3-fc7", "the last layer gives 7 features, but the data has 10 classes; end it with fc10")]
    [InlineData("fc32-conv4k3-fc10", "token 2 'conv4k3' is a convolution, but its input is already flat (32 features)")]
    [InlineData("conv4k3--fc10", "token 2 '' is empty")]
    [InlineData("conv4k3-dropout1.5-fc10", "token 2 'dropout1.5' has a dropout probability that is not a number in [0, 1)")]
    public void Bad_specs_name_the_token_and_why(string spec, string expected) =>
        Cli.AssertOneLineError(Cli.Run("train", "--arch", spec, "--epochs", "1"), expected);

    [Fact]
    public void Mlp_options_with_an_arch_and_flip_without_augment_are_refused()
    {
        Cli.AssertOneLineError(Cli.Run("train", "--arch", "cnn", "--hidden", "64"), "--hidden shapes the MLP; with --arch, write the layers in the spec");
        Cli.AssertOneLineError(Cli.Run("train", "--arch", "cnn", "--dropout", "0.1"), "--dropout shapes the MLP");
        Cli.AssertOneLineError(Cli.Run("train", "--flip"), "--flip is an augmentation: add --augment.");
    }

    [Fact]
    public void A_cnn_on_csv_data_is_refused_in_one_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.File("rows.csv"), ["a,b,c,label", "1,2,3,x", "2,3,4,y", "3,4,5,x", "4,5,6,y", "5,6,7,x"]);
        Cli.AssertOneLineError(Cli.Run("train", "--data", dir.File("rows.csv"), "--arch", "cnn"), "has no image shape (each row is 3 features); convolutions and pooling need images");
        Cli.AssertOneLineError(Cli.Run("train", "--data", dir.File("rows.csv"), "--augment"), "--augment: ");
        // a spec without convolutions is fine on rows
        Cli.Result fc = Cli.Run("train", "--data", dir.File("rows.csv"), "--arch", "fc8-relu-fc2", "--epochs", "1", "--out", dir.File("run"));
        Assert.True(fc.ExitCode == 0, fc.Error);
    }
}

using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Tests.NN;

public class ConvolutionalLayerTests
{
    [Fact]
    public void BatchNorm_uses_batch_statistics_in_training_and_running_ones_in_evaluation_as_pytorch()
    {
        var bn = BatchNorm.BatchNorm2d(2, momentum: 0.1);
        Tensor x = Tensor.RandomNormal([4, 2, 3, 3], 3, 2, new Generator(1), DType.Float64);
        Tensor y = bn.Forward(x).Data;
        // per channel: mean 0 and biased variance 1 after normalization (weight 1, bias 0)
        Tensor perChannel = y.Transpose(0, 1).Reshape(2, -1);
        Assert.Equal([0.0, 0.0], perChannel.Mean([1]).ToArray<double>(), new Tolerance(1e-12));
        Assert.Equal([1.0, 1.0], perChannel.Var([1]).ToArray<double>(), new Tolerance(1e-4));
        // running statistics: 0.9 * initial + 0.1 * batch, the variance unbiased (n = 36)
        Tensor xs = x.Transpose(0, 1).Reshape(2, -1);
        Assert.Equal((xs.Mean([1]) * 0.1).ToArray<double>(), bn.RunningMean.To(DType.Float64).ToArray<double>(), new Tolerance(1e-6));
        Assert.Equal(((xs.Var([1], ddof: 1) * 0.1) + 0.9).ToArray<double>(), bn.RunningVar.To(DType.Float64).ToArray<double>(), new Tolerance(1e-5));
        Assert.Equal(1L, bn.NumBatchesTracked.Item<long>());
        bn.Eval();
        Tensor mean = bn.RunningMean.To(DType.Float64).Reshape(1, 2, 1, 1), std = Tensor.Sqrt(bn.RunningVar.To(DType.Float64).Reshape(1, 2, 1, 1) + 1e-5);
        Assert.Equal(((x - mean) / std).ToArray<double>(), bn.Forward(x).Data.ToArray<double>(), new Tolerance(1e-6));
        Assert.Equal(1L, bn.NumBatchesTracked.Item<long>()); // evaluation leaves the statistics alone
    }

    [Fact]
    public void A_checkpoint_holds_parameters_and_buffers_under_pytorchs_names_and_types()
    {
        var g = new Generator(2);
        var model = new Sequential(new Conv2d(1, 4, 3, g, padding: 1), BatchNorm.BatchNorm2d(4), new Relu(), new MaxPool2d(2), new Flatten(), new Linear(4 * 2 * 2, 3, g));
        model.Forward(Tensor.RandomNormal([2, 1, 4, 4], 0, 1, g));
        using var dir = new TempDirectory();
        string path = dir.File("cnn.safetensors");
        Checkpoint.Save(model, path);
        SafetensorsHeader header = Safetensors.ReadHeader(path);
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "5.weight", "5.bias"], header.Tensors.Select(t => t.Name));
        Assert.Equal("I64", header.Tensors.Single(t => t.Name == "1.num_batches_tracked").DType);

        var copy = new Sequential(new Conv2d(1, 4, 3, new Generator(9), padding: 1), BatchNorm.BatchNorm2d(4), new Relu(), new MaxPool2d(2), new Flatten(), new Linear(16, 3, new Generator(9)));
        Checkpoint.Load(copy, path);
        model.Eval();
        copy.Eval();
        Tensor probe = Tensor.RandomNormal([3, 1, 4, 4], 0, 1, new Generator(4));
        Assert.Equal(model.Forward(probe).Data.ToArray(), copy.Forward(probe).Data.ToArray());
    }

    [Fact]
    public void A_small_cnn_learns_the_digits()
    {
        var (train, test) = Mnist.Digits();
        var g = new Generator(1);
        var model = new Sequential(
            new Conv2d(1, 8, 3, g, padding: 1), BatchNorm.BatchNorm2d(8), new Relu(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, g, padding: 1), new Relu(), new MaxPool2d(2),
            new Flatten(), new Linear(16 * 7 * 7, 10, g));
        var optimizer = new AdamW(model.Parameters(), learningRate: 2e-3);
        Dataset part = train.Subset(0, 4000);
        foreach (var (x, y) in new DataLoader(part, batchSize: 50, shuffle: true, seed: 1))
        {
            optimizer.ZeroGrad();
            Losses.SoftmaxCrossEntropy(model.Forward(x.Reshape(-1, 1, 28, 28)), y).Backward();
            optimizer.Step();
        }
        model.Eval();
        using (Autograd.NoGrad())
        {
            Tensor predicted = model.Forward(test.Features.Slice(0, 0, 1000).Reshape(-1, 1, 28, 28)).Data.ArgMax(1);
            double accuracy = (predicted == test.Labels.Slice(0, 0, 1000)).To(DType.Float32).Mean().Item();
            Assert.True(accuracy > 0.9, $"one pass over 4,000 digits reached only {accuracy:P1}");
        }
    }
}

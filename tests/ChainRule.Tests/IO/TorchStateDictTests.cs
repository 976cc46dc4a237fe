using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Optim;
using Xunit.Abstractions;

namespace ChainRule.Tests.IO;

// ChainRule against PyTorch 1.13: the state dicts in tests/fixtures/torch/ were written by real PyTorch
// (tests/fixtures/torch/make_state_dicts.py, with Debian's python3-torch; the files are committed, the tests run no
// Python). NAME.safetensors is model.state_dict() as safetensors.torch.save_file writes it, NAME.expected.safetensors
// what PyTorch computed, NAME.optimizer.safetensors optimizer.state_dict() flattened as OptimizerStateDict describes.
public class TorchStateDictTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "torch", name + ".safetensors");

    private static SafetensorsFile Expected(string name) => Safetensors.Load(Fixture(name + ".expected"));

    private double MaxDiff(string what, Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        double[] e = expected.To(DType.Float64).ToArray<double>(), a = actual.To(DType.Float64).ToArray<double>();
        double max = e.Zip(a, (x, y) => Math.Abs(x - y)).Max();
        output.WriteLine($"{what}: max |diff| = {max:E2}");
        return max;
    }

    [Fact]
    public void A_torch_Sequential_of_Linear_ReLU_Linear_loads_into_Mlp_and_gives_PyTorchs_logits()
    {
        // torch.nn.Sequential(Linear(784, 32), ReLU(), Linear(32, 10)): "0.weight", "0.bias", "2.weight", "2.bias".
        Sequential model = Mlp.Create(new MlpConfig { Inputs = 784, Hidden = [32], Outputs = 10 }, new Generator(0));
        Assert.Empty(Checkpoint.Load(model, Fixture("mlp")).Missing);
        model.Eval();
        SafetensorsFile expected = Expected("mlp");
        Tensor logits = model.Forward(expected["input"]).Data;
        Assert.True(MaxDiff("mlp logits", expected["logits"], logits) <= 1e-5);
    }

    [Fact]
    public void A_torch_Sequential_of_the_same_layers_as_an_architecture_spec_loads_and_gives_PyTorchs_logits()
    {
        // Architecture.Build's children: 0 Unflatten, 1 conv4k3, 2 bn, 3 relu, 4 pool2, 5 Flatten (before the first
        // fc that receives maps), 6 fc16, 7 ln, 8 gelu, 9 dropout0.3, 10 fc10, the same list as the torch model.
        Sequential model = Architecture.Build("conv4k3-bn-relu-pool2-fc16-ln-gelu-dropout0.3-fc10", [1, 28, 28], new Generator(0));
        Assert.Equal(Safetensors.ReadHeader(Fixture("cnn")).Tensors.Select(t => t.Name), model.StateDict().Keys);
        Checkpoint.Load(model, Fixture("cnn"));
        Assert.Equal(3L, model.StateDict()["2.num_batches_tracked"].Item<long>());
        SafetensorsFile expected = Expected("cnn");
        model.Eval();
        Assert.True(MaxDiff("cnn logits (eval)", expected["logits"], model.Forward(expected["input"]).Data) <= 1e-5);

        // Training mode with dropout off: batch statistics, and the running statistics PyTorch left after that pass.
        model.Train();
        model.Layers[9].Eval();
        Assert.True(MaxDiff("cnn logits (train)", expected["train_logits"], model.Forward(expected["input"]).Data) <= 1e-5);
        Assert.True(MaxDiff("cnn running_mean", expected["train_running_mean"], model.StateDict()["2.running_mean"]) <= 1e-6);
        Assert.True(MaxDiff("cnn running_var", expected["train_running_var"], model.StateDict()["2.running_var"]) <= 1e-6);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void PyTorchs_optimizer_state_after_two_steps_loads_and_the_third_step_matches(string name)
    {
        // torch.nn.Sequential(Linear(6, 5), ReLU(), Linear(5, 3)); the optimizer is built with default
        // hyperparameters, so the step matches only if the file's (lr 0.01, betas (0.8, 0.99), ...) were loaded.
        Sequential model = Mlp.Create(new MlpConfig { Inputs = 6, Hidden = [5], Outputs = 3 }, new Generator(0));
        Checkpoint.Load(model, Fixture(name));
        Optimizer optimizer = name == "adam" ? new Adam(model.Parameters()) : new Sgd(model.Parameters(), 1);
        Checkpoint.LoadOptimizer(optimizer, Fixture(name + ".optimizer"));
        Assert.Equal(2, optimizer.StepCount);
        if (optimizer is Adam adam)
        {
            Assert.Equal((0.01, 0.8, 0.99, 1e-6, 0.01), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay));
        }
        else if (optimizer is Sgd sgd)
        {
            Assert.Equal((0.05, 0.9, true, 0.001, 0.0), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov, sgd.WeightDecay, sgd.Dampening));
        }

        SafetensorsFile expected = Expected(name);
        optimizer.ZeroGrad();
        Losses.SoftmaxCrossEntropy(model.Forward(expected["x"]), expected["y"]).Backward();
        foreach ((string p, Parameter parameter) in model.NamedParameters())
        {
            Assert.True(MaxDiff($"{name} grad {p}", expected[$"grad.{p}"], parameter.Grad!.Data) <= 1e-6);
        }
        optimizer.Step();
        foreach ((string p, Parameter parameter) in model.NamedParameters())
        {
            Assert.True(MaxDiff($"{name} step 3 {p}", expected[$"after.{p}"], parameter.Data) <= 1e-6);
        }
    }
}

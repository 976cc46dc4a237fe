using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Tests.Optim;

public class OptimizerStateDictTests
{
    private static Sequential Model(ulong seed) => Mlp.Create(new MlpConfig { Inputs = 4, Hidden = [6], Outputs = 3 }, new Generator(seed));

    private static Optimizer Create(string kind, Sequential model) => kind switch
    {
        "adam" => new Adam(model.Parameters(), 0.02, beta1: 0.85, beta2: 0.995, epsilon: 1e-7, weightDecay: 1e-3),
        "adamw" => new AdamW(model.Parameters(), 0.02, weightDecay: 0.05),
        _ => new Sgd(model.Parameters(), 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3),
    };

    // Defaults that differ from Create's, so a continuation is identical only if the hyperparameters were restored.
    private static Optimizer Fresh(string kind, Sequential model) => kind switch
    {
        "adam" => new Adam(model.Parameters()),
        "adamw" => new AdamW(model.Parameters()),
        _ => new Sgd(model.Parameters(), 1),
    };

    private static void Train(Sequential model, Optimizer optimizer, int steps, ulong seed)
    {
        var g = new Generator(seed);
        for (int i = 0; i < steps; i++)
        {
            Tensor x = Tensor.RandomNormal(new Shape(8, 4), 0, 1, g);
            Tensor y = Tensor.RandomInteger(new Shape(8), 0, 3, g);
            optimizer.ZeroGrad();
            Losses.SoftmaxCrossEntropy(model.Forward(x), y).Backward();
            optimizer.Step();
        }
    }

    private static int[] Bits(Sequential model) => [.. model.Parameters().SelectMany(p => p.Data.ToArray()).Select(BitConverter.SingleToInt32Bits)];

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void Saved_and_loaded_through_a_file_training_continues_bit_for_bit(string kind)
    {
        using var dir = new TempDirectory();
        Sequential whole = Model(1);
        Train(whole, Create(kind, whole), 6, seed: 3);

        Sequential first = Model(1);
        Optimizer optimizer = Create(kind, first);
        Train(first, optimizer, 3, seed: 3);
        Checkpoint.Save(first, dir.File("model.safetensors"));
        Checkpoint.SaveOptimizer(optimizer, dir.File("optimizer.safetensors"));

        Sequential resumed = Model(2);
        Optimizer restored = Fresh(kind, resumed);
        Checkpoint.Load(resumed, dir.File("model.safetensors"));
        Checkpoint.LoadOptimizer(restored, dir.File("optimizer.safetensors"));
        Assert.Equal(optimizer.Hyperparameters(), restored.Hyperparameters());
        Assert.Equal(3, restored.StepCount);
        // The rest of the six steps: the batches of steps 4 to 6 of seed 3.
        var g = new Generator(3);
        for (int i = 0; i < 3; i++)
        {
            Tensor.RandomNormal(new Shape(8, 4), 0, 1, g);
            Tensor.RandomInteger(new Shape(8), 0, 3, g);
        }
        for (int i = 0; i < 3; i++)
        {
            Tensor x = Tensor.RandomNormal(new Shape(8, 4), 0, 1, g);
            Tensor y = Tensor.RandomInteger(new Shape(8), 0, 3, g);
            restored.ZeroGrad();
            Losses.SoftmaxCrossEntropy(resumed.Forward(x), y).Backward();
            restored.Step();
        }
        Assert.Equal(Bits(whole), Bits(resumed));
    }

    [Fact]
    public void StateDict_is_shaped_like_PyTorchs_and_loads_in_memory_as_a_copy()
    {
        Sequential model = Model(1);
        var adam = (Adam)Create("adam", model);
        Train(model, adam, 2, seed: 4);
        OptimizerStateDict state = adam.StateDict();
        Assert.Equal(["step_count", "0.exp_avg", "0.exp_avg_sq", "0.step", "1.exp_avg", "1.exp_avg_sq", "1.step"], state.State.Keys.Take(7));
        Assert.Equal(new Dictionary<string, double> { ["lr"] = 0.02, ["betas.0"] = 0.85, ["betas.1"] = 0.995, ["eps"] = 1e-7, ["weight_decay"] = 1e-3 }, state.Hyperparameters);
        Assert.Equal(["step_count", "0.exp_avg"], state.ToTensors().Select(t => t.Key).Take(2));
        Assert.Equal("param_groups.0.lr", state.ToTensors().Select(t => t.Key).SkipWhile(k => !k.StartsWith("param_groups", StringComparison.Ordinal)).First());

        var other = new Adam(Model(2).Parameters());
        other.LoadStateDict(OptimizerStateDict.FromTensors(state.ToTensors()));
        Assert.Equal(adam.Hyperparameters(), other.Hyperparameters());
        Assert.NotSame(state.State["0.exp_avg"], other.StateDict().State["0.exp_avg"]);
        Assert.Equal(state.State["0.exp_avg"].ToArray(), other.StateDict().State["0.exp_avg"].ToArray());
    }

    [Fact]
    public void A_file_without_hyperparameters_as_the_resume_format_wrote_them_before_loads_and_keeps_the_optimizers_own()
    {
        using var dir = new TempDirectory();
        Sequential model = Model(1);
        Optimizer adam = Create("adam", model);
        Train(model, adam, 2, seed: 5);
        Safetensors.Save(dir.File("old.safetensors"), [.. adam.StateTensors().Select(t => KeyValuePair.Create(t.Name, t.Tensor))]);
        var restored = new Adam(Model(1).Parameters(), 0.5);
        Checkpoint.LoadOptimizer(restored, dir.File("old.safetensors"));
        Assert.Equal((2, 0.5, 0.9), (restored.StepCount, restored.LearningRate, restored.Beta1));
        Assert.Equal(adam.StateDict().State["1.exp_avg_sq"].ToArray(), restored.StateDict().State["1.exp_avg_sq"].ToArray());
    }

    [Fact]
    public void Hyperparameters_that_do_not_fit_are_listed_with_the_state_problems_and_change_nothing()
    {
        Sequential model = Model(1);
        var sgd = new Sgd(model.Parameters(), 0.1, momentum: 0.9);
        var state = new OptimizerStateDict(
            new Dictionary<string, Tensor> { ["step_count"] = Tensor.Scalar(1, DType.Int64), ["0.exp_avg"] = Tensor.Zeros([6, 4]) },
            new Dictionary<string, double> { ["lr"] = -1, ["betas.0"] = 0.9, ["nesterov"] = 1, ["dampening"] = 0.5 });
        var e = Assert.Throws<InvalidDataException>(() => sgd.LoadStateDict(state));
        Assert.Contains("Sgd keeps no 'exp_avg'", e.Message);
        Assert.Contains("unknown hyperparameter 'betas.0' (Sgd has lr, momentum, dampening, weight_decay, nesterov)", e.Message);
        Assert.Contains("'lr' must be a finite number >= 0, got -1", e.Message);
        Assert.Contains("Nesterov momentum needs momentum > 0 and no dampening", e.Message);
        Assert.Equal((0.1, 0.9, false, 0.0, 0), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov, sgd.Dampening, sgd.StepCount));

        var adam = new Adam(model.Parameters());
        var bad = Assert.Throws<InvalidDataException>(() => adam.LoadStateDict(new OptimizerStateDict(
            new Dictionary<string, Tensor> { ["step_count"] = Tensor.Scalar(0, DType.Int64) },
            new Dictionary<string, double> { ["betas.1"] = 1, ["eps"] = double.NaN })));
        Assert.Contains("'betas.1' must be in [0, 1), got 1", bad.Message);
        Assert.Contains("'eps' must be finite, got NaN", bad.Message);

        var notScalar = Assert.Throws<InvalidDataException>(() => OptimizerStateDict.FromTensors(
            [KeyValuePair.Create("param_groups.0.lr", Tensor.Zeros([2]))]));
        Assert.Contains("'param_groups.0.lr' must be a Float64 scalar", notScalar.Message);
    }
}

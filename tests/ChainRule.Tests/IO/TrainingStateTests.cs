using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Optim;
using ChainRule.Training;

namespace ChainRule.Tests.IO;

// Model + TrainingState at the end of epoch k, restored into fresh objects, continue bit for bit: optimizer slots and
// step counts, the dropout generator's position, BatchNorm's buffers.
public class TrainingStateTests
{
    private static Dataset Data(int n, ulong seed)
    {
        var g = new Generator(seed);
        Tensor x = Tensor.RandomNormal(new Shape(n, 1, 6, 6), 0, 1, g);
        Tensor y = Tensor.RandomInteger(new Shape(n), 0, 3, g);
        return new Dataset("toy", x, y, ["a", "b", "c"]);
    }

    private static (Sequential Model, Optimizer Optimizer, Trainer Trainer) Create(string optimizer)
    {
        Sequential model = Architecture.Build("conv4k3-bn-relu-pool2-fc8-relu-dropout0.4-fc3", [1, 6, 6], new Generator(5));
        Optimizer opt = optimizer switch
        {
            "adamw" => new AdamW(model.Parameters(), 1e-2),
            "momentum" => new Sgd(model.Parameters(), 0.05, momentum: 0.9, nesterov: true),
            _ => new Adam(model.Parameters(), 1e-2, weightDecay: 1e-3),
        };
        var trainer = new Trainer(model, opt, (output, y) => Losses.SoftmaxCrossEntropy(output, y)) { Schedule = new CosineDecay(40) };
        return (model, opt, trainer);
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("adam")]
    [InlineData("momentum")]
    public void A_run_saved_after_epoch_2_and_restored_into_fresh_objects_continues_bit_for_bit(string optimizer)
    {
        using var dir = new TempDirectory();
        Dataset data = Data(40, 3);
        (Sequential whole, _, Trainer wholeTrainer) = Create(optimizer);
        IReadOnlyList<EpochResult> all = wholeTrainer.Fit(data, null, epochs: 4, batchSize: 8, seed: 11);

        (Sequential first, Optimizer firstOptimizer, Trainer firstTrainer) = Create(optimizer);
        IReadOnlyList<EpochResult> firstTwo = firstTrainer.Fit(data, null, epochs: 2, batchSize: 8, seed: 11);
        Checkpoint.Save(first, dir.File("model.safetensors"));
        TrainingState.Save(dir.File("state.safetensors"), first, firstOptimizer, firstTwo);

        (Sequential resumed, Optimizer resumedOptimizer, Trainer resumedTrainer) = Create(optimizer);
        Checkpoint.Load(resumed, dir.File("model.safetensors"));
        (IReadOnlyList<EpochResult> history, _) = TrainingState.Load(dir.File("state.safetensors"), resumed, resumedOptimizer);
        Assert.Equal(firstTwo, history);
        Assert.Equal(firstOptimizer.StepCount, resumedOptimizer.StepCount);
        IReadOnlyList<EpochResult> rest = resumedTrainer.Fit(data, null, epochs: 4, batchSize: 8, seed: 11, startEpoch: 2);

        Assert.Equal([3, 4], rest.Select(r => r.Epoch));
        Assert.Equal(all.Skip(2).Select(r => r.TrainLoss), rest.Select(r => r.TrainLoss));
        foreach (((string name, Tensor expected), (_, Tensor actual)) in whole.StateTensors().Zip(resumed.StateTensors()))
        {
            Assert.True(expected.To(DType.Float64).ToArray<double>().SequenceEqual(actual.To(DType.Float64).ToArray<double>()), $"{name} differs after resuming");
        }
    }

    [Fact]
    public void Without_the_generator_state_the_continuation_differs_so_the_test_above_can_fail()
    {
        using var dir = new TempDirectory();
        Dataset data = Data(40, 3);
        (Sequential whole, _, Trainer wholeTrainer) = Create("adamw");
        wholeTrainer.Fit(data, null, epochs: 3, batchSize: 8, seed: 11);
        (Sequential first, Optimizer firstOptimizer, Trainer firstTrainer) = Create("adamw");
        firstTrainer.Fit(data, null, epochs: 2, batchSize: 8, seed: 11);
        (Sequential resumed, Optimizer resumedOptimizer, Trainer resumedTrainer) = Create("adamw");
        Checkpoint.Save(first, dir.File("model.safetensors"));
        Checkpoint.Load(resumed, dir.File("model.safetensors"));
        resumedOptimizer.LoadState(firstOptimizer.StateTensors().ToDictionary(t => t.Name, t => t.Tensor)); // the generator left at its start
        resumedTrainer.Fit(data, null, epochs: 3, batchSize: 8, seed: 11, startEpoch: 2);
        Assert.NotEqual(whole.Parameters().First().Data.ToArray(), resumed.Parameters().First().Data.ToArray());
    }

    [Fact]
    public void A_state_that_does_not_fit_is_refused_listing_every_problem_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        (Sequential model, Optimizer optimizer, Trainer trainer) = Create("adamw");
        trainer.Fit(Data(16, 1), null, epochs: 1, batchSize: 8, seed: 1);
        TrainingState.Save(dir.File("state.safetensors"), model, optimizer, []);

        Sequential other = Architecture.Build("fc8-relu-fc3", [1, 6, 6], new Generator(5));
        var otherOptimizer = new AdamW(other.Parameters());
        var e = Assert.Throws<InvalidDataException>(() => TrainingState.Load(dir.File("state.safetensors"), other, otherOptimizer));
        Assert.Contains("state.safetensors: training state does not fit the model: unexpected 'generator.", e.Message);
        Assert.Equal(0, otherOptimizer.StepCount);

        var sgd = new Sgd(model.Parameters(), 0.1, momentum: 0.9);
        var wrong = Assert.Throws<InvalidDataException>(() => TrainingState.Load(dir.File("state.safetensors"), model, sgd));
        Assert.Contains("Sgd keeps no 'exp_avg'", wrong.Message);

        var badSteps = new Dictionary<string, Tensor> { ["step_count"] = Tensor.Scalar(-1, DType.Int64), ["99.exp_avg"] = Tensor.Scalar(0) };
        var listed = Assert.Throws<InvalidDataException>(() => optimizer.LoadState(badSteps));
        Assert.Contains("'step_count' must be an Int64 scalar", listed.Message);
        Assert.Contains("unexpected '99.exp_avg'", listed.Message);
    }

    [Fact]
    public void A_generator_restored_from_its_state_continues_its_sequence_including_a_cached_normal()
    {
        var g = new Generator(42);
        g.NextNormal(); // leaves the pair's second value cached
        ulong[] state = g.GetState();
        var copy = new Generator(1);
        copy.SetState(state);
        Assert.Equal(Enumerable.Range(0, 5).Select(_ => g.NextNormal()), Enumerable.Range(0, 5).Select(_ => copy.NextNormal()));
        Assert.Equal(g.NextUInt64(), copy.NextUInt64());
        Assert.Throws<ArgumentException>(() => copy.SetState(new ulong[6]));
        Assert.Throws<ArgumentException>(() => copy.SetState(new ulong[5]));
    }
}

public class GradientNormTests
{
    [Fact]
    public void The_global_norm_of_finite_gradients_whose_squares_overflow_float_is_finite()
    {
        var p = new Parameter(Tensor.FromArray([3e20f, -4e20f]));
        p.GradValue = new Variable(Tensor.FromArray([3e20f, -4e20f]), requiresGrad: false);
        Assert.Equal(5e20, GradientClipping.GlobalNorm([p]), 1e14);
        p.GradValue = new Variable(Tensor.FromArray([1f, float.NaN]), requiresGrad: false);
        Assert.True(double.IsNaN(GradientClipping.GlobalNorm([p])));
        p.GradValue = new Variable(Tensor.FromArray([1f, float.PositiveInfinity]), requiresGrad: false);
        Assert.Equal(double.PositiveInfinity, GradientClipping.GlobalNorm([p]));
    }
}

using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Tests.NN;

public class ModuleTests
{
    [Fact]
    public void Parameters_are_named_like_pytorch_and_found_through_containers()
    {
        var g = new Generator(1);
        var model = new Sequential(new Linear(4, 3, g), new Relu(), new Sequential(new Linear(3, 2, g, bias: false)));
        string[] names = model.NamedParameters().Select(np => np.Name).ToArray();
        Assert.Equal(["0.weight", "0.bias", "2.0.weight"], names);
        Assert.Equal(3, model.Parameters().Count());
        Assert.Equal(new Shape(3, 4), model.NamedParameters().First().Parameter.Shape); // (out, in)
    }

    [Fact]
    public void Train_and_eval_reach_every_descendant()
    {
        var g = new Generator(1);
        var dropout = new Dropout(0.5, g);
        var model = new Sequential(new Linear(2, 2, g), new Sequential(dropout));
        model.Eval();
        Assert.False(dropout.Training);
        model.Train();
        Assert.True(dropout.Training);
    }

    [Fact]
    public void Linear_computes_x_W_transposed_plus_b_for_any_leading_axes()
    {
        var g = new Generator(2);
        var layer = new Linear(3, 2, g);
        Tensor x = Tensor.RandomNormal([2, 5, 3], 0, 1, g);
        Variable y = layer.Forward(x);
        Assert.Equal(new Shape(2, 5, 2), y.Shape);
        Tensor expected = Tensor.MatMul(x, layer.Weight.Data.Transpose()) + layer.Bias!.Data;
        Assert.Equal(expected.ToArray(), y.Data.ToArray(), new Tolerance(1e-6));
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros([2, 4])));
        Assert.Contains("(2, 4)", error.Message);
    }

    [Fact]
    public void Zero_grad_clears_every_gradient()
    {
        var g = new Generator(3);
        var model = new Sequential(new Linear(2, 2, g), new Tanh(), new Linear(2, 1, g));
        F.Sum(model.Forward(Tensor.Ones([4, 2]))).Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Initialisers_have_the_published_scales()
    {
        var g = new Generator(4);
        Tensor glorot = Init.Weight(300, 200, InitScheme.Glorot, g);
        double bound = Math.Sqrt(6.0 / 500);
        Assert.InRange(glorot.Max().Item(), bound * 0.99, bound);
        Assert.InRange(glorot.Min().Item(), -bound, -bound * 0.99);
        Tensor he = Init.Weight(300, 200, InitScheme.He, g);
        Assert.InRange(he.Std().Item(), Math.Sqrt(2.0 / 200) * 0.98, Math.Sqrt(2.0 / 200) * 1.02);
    }

    [Fact]
    public void PyTorch_default_draws_weight_then_bias_uniform_in_one_over_root_fan_in()
    {
        // nn.Linear.reset_parameters: kaiming_uniform_(w, a = sqrt 5) is U(+-sqrt(6 / ((1 + a^2) fan_in))) =
        // U(+-1 / sqrt(fan_in)); then the bias, U(+-1 / sqrt(fan_in)). Glorot and He keep a zero bias.
        var layer = new Linear(200, 300, new Generator(6), InitScheme.PyTorchDefault);
        double bound = 1 / Math.Sqrt(200);
        Assert.InRange(layer.Weight.Data.Max().Item(), bound * 0.99, bound);
        Assert.InRange(layer.Weight.Data.Min().Item(), -bound, -bound * 0.99);
        Assert.InRange(layer.Weight.Data.Std().Item(), bound / Math.Sqrt(3) * 0.98, bound / Math.Sqrt(3) * 1.02);
        Assert.InRange(layer.Bias!.Data.Max().Item(), bound * 0.9, bound);
        Assert.InRange(layer.Bias.Data.Min().Item(), -bound, -bound * 0.9);
        var g = new Generator(6);
        Assert.Equal(Tensor.RandomUniform([300, 200], -bound, bound, g).ToArray(), layer.Weight.Data.ToArray());
        Assert.Equal(Tensor.RandomUniform([300], -bound, bound, g).ToArray(), layer.Bias.Data.ToArray());
        Assert.All(new Linear(200, 300, new Generator(6), InitScheme.He).Bias!.Data.ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Dropout_zeroes_a_fraction_p_and_rescales_in_training_only()
    {
        var dropout = new Dropout(0.25, new Generator(5));
        Tensor x = Tensor.Ones([10000]);
        float[] y = dropout.Forward(x).Data.ToArray();
        double dropped = y.Count(v => v == 0) / 10000.0;
        Assert.InRange(dropped, 0.23, 0.27);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.75f, v, 6));
        dropout.Eval();
        Assert.Equal(x.ToArray(), dropout.Forward(x).Data.ToArray());
        float[] again = new Dropout(0.25, new Generator(5)).Forward(x).Data.ToArray();
        Assert.Equal(y, again); // same seed, same mask
    }

    [Fact]
    public void Masked_linear_keeps_absent_weights_exactly_zero_through_training()
    {
        // MISSION 2.5: sparse connectivity. Train with momentum, Adam and AdamW and check the absent entries.
        var g = new Generator(6);
        Tensor mask = Tensor.FromArray(new float[,] { { 1, 0, 1 }, { 0, 1, 0 } });
        foreach (Func<IEnumerable<Parameter>, Optimizer> make in new Func<IEnumerable<Parameter>, Optimizer>[]
        {
            ps => new Sgd(ps, 0.1, momentum: 0.9, weightDecay: 0.01),
            ps => new Adam(ps, 0.01, weightDecay: 0.01),
            ps => new AdamW(ps, 0.01),
        })
        {
            var layer = new Linear(3, 2, g, mask: mask);
            var optimizer = make(layer.Parameters());
            Tensor x = Tensor.RandomNormal([8, 3], 0, 1, g), target = Tensor.RandomNormal([8, 2], 0, 1, g);
            for (int step = 0; step < 20; step++)
            {
                optimizer.ZeroGrad();
                Losses.MeanSquaredError(layer.Forward(x), target).Backward();
                optimizer.Step();
            }
            float[] w = layer.Weight.Data.ToArray();
            Assert.Equal([0f, 0f, 0f], [w[1], w[3], w[5]]);
            Assert.DoesNotContain(0f, new[] { w[0], w[2], w[4] });
        }
    }
}

public class PredictTests
{
    [Fact]
    public void Predict_runs_in_evaluation_mode_without_a_graph_and_restores_the_mode()
    {
        Sequential model = ChainRule.NN.Architecture.Build("fc8-bn-relu-dropout0.5-fc3", [4], new Generator(1));
        Tensor x = Tensor.RandomNormal(new Shape(5, 4), 0, 1, new Generator(2));
        Tensor predicted = model.Predict(x);
        Assert.True(model.Training);
        model.Eval();
        Variable expected = model.Forward(x);
        Assert.Equal(expected.Data.ToArray(), predicted.ToArray()); // dropout off, running statistics: deterministic
        model.Train();
        Assert.Equal(predicted.ToArray(), model.Predict(x).ToArray());
        Assert.Equal(0L, model.NamedBuffers().First(b => b.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Buffer.Item<long>());
    }
}

using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Tests.Optim;

// Each optimizer against its reference equations, computed here step by step in double.
public class OptimizerTests
{
    private static Parameter Scalar(double value) => new(Tensor.FromArray(value));

    private static void SetGrad(Parameter p, double g) => p.Grad = new Variable(Tensor.FromArray(g), requiresGrad: false);

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd momentum")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void A_large_update_split_over_threads_gives_the_bits_of_one_thread(string rule)
    {
        // 200,037 elements: several ranges of whole vectors and a ragged tail, in float32 and float64
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            double[][] results = [.. new[] { 1, 2, 3 }.Select(threads => Train(threads, dtype))];
            Assert.Equal(results[0], results[1]);
            Assert.Equal(results[0], results[2]);
        }

        double[] Train(int threads, DType dtype)
        {
            var g = new Generator(3);
            var p = new Parameter(Tensor.RandomNormal([200_037], 0, 1, g, dtype));
            Optimizer optimizer = rule switch
            {
                "sgd" => new Sgd([p], 0.1),
                "sgd momentum" => new Sgd([p], 0.1, momentum: 0.9, weightDecay: 1e-3),
                "adam" => new Adam([p], 1e-2, weightDecay: 1e-3),
                _ => new AdamW([p], 1e-2),
            };
            int saved = Parallelism.MaxDegree;
            try
            {
                Parallelism.MaxDegree = threads;
                for (int step = 0; step < 3; step++)
                {
                    p.Grad = new Variable(Tensor.RandomNormal([200_037], 0, 1, g, dtype), requiresGrad: false);
                    optimizer.Step();
                }
            }
            finally
            {
                Parallelism.MaxDegree = saved;
            }
            return p.Data.ToDoubleArray();
        }
    }

    [Fact]
    public void Sgd_plain_momentum_nesterov_and_weight_decay()
    {
        double[] grads = [0.5, -0.25, 1.0];
        foreach ((double momentum, bool nesterov, double decay) in new[] { (0.0, false, 0.0), (0.9, false, 0.0), (0.9, true, 0.0), (0.5, false, 0.1) })
        {
            Parameter p = Scalar(1.0);
            var sgd = new Sgd([p], 0.1, momentum, nesterov, decay);
            double w = 1.0, buf = 0;
            for (int t = 0; t < grads.Length; t++)
            {
                SetGrad(p, grads[t]);
                sgd.Step();
                double g = grads[t] + (decay * w);
                if (momentum != 0)
                {
                    buf = t == 0 ? g : (momentum * buf) + g;
                    g = nesterov ? g + (momentum * buf) : buf;
                }
                w -= 0.1 * g;
                Assert.Equal(w, p.Data.Item(), 14);
            }
        }
    }

    [Fact]
    public void Sgd_first_step_by_hand()
    {
        Parameter p = Scalar(1.0);
        SetGrad(p, 0.5);
        new Sgd([p], 0.1).Step();
        Assert.Equal(0.95, p.Data.Item(), 15);
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.1)]
    [InlineData(true, 0.1)]
    public void Adam_and_AdamW_follow_the_papers(bool decoupled, double decay)
    {
        double[] grads = [0.5, 0.25, -0.75, 0.1];
        const double Lr = 0.1, B1 = 0.9, B2 = 0.999, Eps = 1e-8;
        Parameter p = Scalar(1.0);
        Adam adam = decoupled ? new AdamW([p], Lr, B1, B2, Eps, decay) : new Adam([p], Lr, B1, B2, Eps, decay);
        double w = 1.0, m = 0, v = 0;
        for (int t = 1; t <= grads.Length; t++)
        {
            SetGrad(p, grads[t - 1]);
            adam.Step();
            double g = grads[t - 1];
            if (decoupled)
            {
                w *= 1 - (Lr * decay);
            }
            else
            {
                g += decay * w;
            }
            m = (B1 * m) + ((1 - B1) * g);
            v = (B2 * v) + ((1 - B2) * g * g);
            w -= Lr * (m / (1 - Math.Pow(B1, t))) / (Math.Sqrt(v / (1 - Math.Pow(B2, t))) + Eps);
            Assert.Equal(w, p.Data.Item(), 13);
        }
        Assert.NotEqual(1.0, w);
    }

    [Fact]
    public void Adam_first_step_moves_by_the_learning_rate()
    {
        Parameter p = Scalar(1.0);
        SetGrad(p, 0.5);
        new Adam([p], 0.1).Step();
        Assert.Equal(0.9, p.Data.Item(), 7); // m_hat / sqrt(v_hat) = g / |g| = 1
    }

    [Fact]
    public void Parameters_without_gradient_are_skipped()
    {
        Parameter a = Scalar(1.0), b = Scalar(2.0);
        SetGrad(a, 1.0);
        var sgd = new Sgd([a, b], 0.5);
        sgd.Step();
        Assert.Equal(0.5, a.Data.Item());
        Assert.Equal(2.0, b.Data.Item());
        sgd.ZeroGrad();
        Assert.Null(a.Grad);
    }

    [Fact]
    public void Schedules_give_their_factors()
    {
        var step = new StepDecay(10, 0.5);
        Assert.Equal([1.0, 1.0, 0.5, 0.25], new[] { 0, 9, 10, 25 }.Select(step.Factor));
        var cosine = new CosineDecay(100, 0.1);
        Assert.Equal(1.0, cosine.Factor(0), 12);
        Assert.Equal(0.55, cosine.Factor(50), 12);
        Assert.Equal(0.1, cosine.Factor(100), 12);
        Assert.Equal(0.1, cosine.Factor(500), 12);
        var warmup = new LinearWarmup(4, cosine);
        Assert.Equal([0.25, 0.5, 0.75, 1.0, 1.0], new[] { 0, 1, 2, 3, 4 }.Select(s => Math.Round(warmup.Factor(s), 12)));
        Parameter p = Scalar(0);
        var sgd = new Sgd([p], 1);
        warmup.Apply(sgd, 0.2, 1);
        Assert.Equal(0.1, sgd.LearningRate, 15);
    }

    [Fact]
    public void Clipping_scales_the_global_norm_down_to_the_limit()
    {
        var a = new Parameter(Tensor.Zeros([2])) { Grad = new Variable(Tensor.FromArray(3f, 0f), requiresGrad: false) };
        var b = new Parameter(Tensor.Zeros([1])) { Grad = new Variable(Tensor.FromArray(4f), requiresGrad: false) };
        double norm = GradientClipping.ClipByGlobalNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 6);
        Assert.Equal([0.6f, 0f], a.Grad!.Data.ToArray(), new Tolerance(1e-6));
        Assert.Equal([0.8f], b.Grad!.Data.ToArray(), new Tolerance(1e-6));
        Assert.Equal(1.0, GradientClipping.ClipByGlobalNorm([a, b], 10.0), 5); // below the limit: unchanged
    }

    [Fact]
    public void A_small_network_learns_xor()
    {
        var g = new Generator(8);
        var model = new Sequential(new Linear(2, 8, g, InitScheme.He), new Tanh(), new Linear(8, 2, g));
        var optimizer = new Adam(model.Parameters(), 0.05);
        Tensor x = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
        Tensor y = Tensor.FromArray(0L, 1L, 1L, 0L);
        double first = 0, last = 0;
        for (int step = 0; step < 200; step++)
        {
            optimizer.ZeroGrad();
            Variable loss = Losses.SoftmaxCrossEntropy(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            first = step == 0 ? loss.Item() : first;
            last = loss.Item();
        }
        Assert.True(last < first / 10, $"loss fell only from {first} to {last}");
        Assert.Equal(y.ToArray<long>(), model.Forward(x).Data.ArgMax(1).ToArray<long>());
    }
}

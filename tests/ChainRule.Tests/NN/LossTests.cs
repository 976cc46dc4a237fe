using ChainRule.NN;

namespace ChainRule.Tests.NN;

public class LossTests
{
    private static readonly Tensor Logits = Tensor.FromArray(new double[,] { { 2, 1, 0.1 }, { 0.5, 2.5, -1 } });
    private static readonly Tensor Labels = Tensor.FromArray(0L, 2L);

    [Fact]
    public void Cross_entropy_is_minus_log_softmax_at_the_label()
    {
        double expected = Enumerable.Range(0, 2).Average(i =>
        {
            double[] row = Logits.Select(0, i).ToDoubleArray();
            double logSum = Math.Log(row.Sum(Math.Exp));
            return logSum - row[(int)Labels[i]];
        });
        Assert.Equal(expected, Losses.SoftmaxCrossEntropy(Logits, Labels).Item(), 12);
        Assert.Equal(expected * 2, Losses.SoftmaxCrossEntropy(Logits, Labels, Reduction.Sum).Item(), 12);
        Assert.Equal(new Shape(2), Losses.SoftmaxCrossEntropy(Logits, Labels, Reduction.None).Shape);
    }

    [Fact]
    public void Cross_entropy_gradient_is_softmax_minus_onehot_over_batch()
    {
        var x = new Variable(Logits);
        Losses.SoftmaxCrossEntropy(x, Labels).Backward();
        Tensor expected = (Tensor.Softmax(Logits, 1) - Tensor.OneHot(Labels, 3, DType.Float64)) / 2;
        Assert.Equal(expected.ToDoubleArray(), x.Grad!.Data.ToDoubleArray(), new Tolerance(1e-14));
    }

    [Fact]
    public void Label_smoothing_mixes_the_uniform_distribution_into_the_target()
    {
        const double Epsilon = 0.1;
        Tensor logP = Tensor.LogSoftmax(Logits, 1);
        Tensor q = (Tensor.OneHot(Labels, 3, DType.Float64) * (1 - Epsilon)) + (Epsilon / 3);
        double expected = -(q * logP).Sum().Item() / 2;
        Assert.Equal(expected, Losses.SoftmaxCrossEntropy(Logits, Labels, labelSmoothing: Epsilon).Item(), 12);
    }

    [Fact]
    public void Cross_entropy_is_finite_at_extreme_logits_and_names_bad_labels()
    {
        var x = new Variable(Tensor.FromArray(new float[,] { { 1000, -1000 }, { -1000, 1000 } }));
        Variable loss = Losses.SoftmaxCrossEntropy(x, Tensor.FromArray(1L, 1L));
        Assert.Equal(1000, loss.Item(), 3); // (2000 + 0) / 2
        loss.Backward();
        Assert.True(x.Grad!.Data.IsFinite());
        var error = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(x, Tensor.FromArray(0L, 2L)));
        Assert.Contains("2", error.Message);
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(x, Tensor.FromArray(0L, 1L, 1L)));
        error = Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(x, Tensor.FromArray(0f, 1f)));
        Assert.Contains("class-index targets must be Int64 or Int32, got float32 (2,)", error.Message);
    }

    [Fact]
    public void Cross_entropy_takes_probabilities_as_soft_targets()
    {
        // torch.nn.functional.cross_entropy with float (batch, classes) targets: -sum q log softmax(x), averaged.
        Tensor q = Tensor.FromArray(new double[,] { { 0.7, 0.2, 0.1 }, { 0, 0.5, 0.5 } });
        double expected = -(q * Tensor.LogSoftmax(Logits, 1)).Sum().Item() / 2;
        Assert.Equal(expected, Losses.SoftmaxCrossEntropy(Logits, q).Item(), 12);
        // one-hot probabilities give exactly the class-index loss
        Assert.Equal(Losses.SoftmaxCrossEntropy(Logits, Labels).Item(), Losses.SoftmaxCrossEntropy(Logits, Tensor.OneHot(Labels, 3, DType.Float64)).Item(), 14);
    }

    [Fact]
    public void Squared_errors_follow_their_definitions()
    {
        Tensor p = Tensor.FromArray(new double[,] { { 1, 2 }, { 3, 5 } }), t = Tensor.FromArray(new double[,] { { 0, 2 }, { 1, 1 } });
        Assert.Equal((1 + 0 + 4 + 16) / 4.0, Losses.MeanSquaredError(p, t).Item());
        Assert.Equal(0.5 * (1 + 0 + 4 + 16) / 2, Losses.HalfSquaredError(p, t).Item()); // per example 1/2 sum_k, mean over 2 examples
        Assert.Equal(0.5 * (1 + 0 + 4 + 16), Losses.HalfSquaredError(p, t, Reduction.Sum).Item());
        Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError(p, Tensor.Zeros([2])));
    }

    [Fact]
    public void Binary_cross_entropy_with_logits_is_stable()
    {
        Tensor logits = Tensor.FromArray(-2.0, 0.0, 3.0, 1000.0, -1000.0);
        Tensor targets = Tensor.FromArray(0.0, 1.0, 1.0, 1.0, 0.0);
        double[] expected = logits.ToDoubleArray().Zip(targets.ToDoubleArray(), (x, y) =>
            Math.Max(x, 0) - (x * y) + Math.Log(1 + Math.Exp(-Math.Abs(x)))).ToArray();
        Assert.Equal(expected.Average(), Losses.BinaryCrossEntropyWithLogits(logits, targets).Item(), 12);
    }
}

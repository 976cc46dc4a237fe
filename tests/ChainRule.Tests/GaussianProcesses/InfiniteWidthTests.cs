using ChainRule.GaussianProcesses;

namespace ChainRule.Tests.GaussianProcesses;

// The infinite-width limit (MISSION 5): the closed forms against Monte Carlo over many random networks, and the
// issue's targets on 100 fixed points: slope -0.5 ± 0.1, and at N = 100,000 an error of at most 1% of max |K_inf|
// for erf, 1.5% (median over seeds 1-10) and 3% (every seed) for ReLU.
public class InfiniteWidthTests
{
    [Theory]
    [InlineData(WidthActivation.Erf)]
    [InlineData(WidthActivation.Relu)]
    public void The_random_network_kernel_converges_like_one_over_root_width(WidthActivation activation)
    {
        Tensor x = InfiniteWidth.FixedPoints(100);
        WidthConvergence table = InfiniteWidth.Convergence(x, activation, [10, 100, 1000, 10000, 100000], seeds: 10);
        Assert.InRange(table.Slope, -0.6, -0.4);
        WidthConvergenceRow widest = table.Rows[^1];
        if (activation == WidthActivation.Erf)
        {
            Assert.True(widest.WorstRelative <= 0.01, $"erf at N = 100,000: worst seed {widest.WorstRelative:P2}");
        }
        else
        {
            Assert.True(widest.MedianRelative <= 0.015, $"ReLU at N = 100,000: median {widest.MedianRelative:P2}");
            Assert.True(widest.WorstRelative <= 0.03, $"ReLU at N = 100,000: worst seed {widest.WorstRelative:P2}");
        }
        for (int i = 1; i < table.Rows.Count; i++)
        {
            Assert.True(table.Rows[i].MedianError < table.Rows[i - 1].MedianError, "the error shrinks with the width");
        }
    }

    [Theory]
    [InlineData(WidthActivation.Erf, 1.0, 1.0)]
    [InlineData(WidthActivation.Relu, 2.0, 0.1)]
    public void The_closed_form_is_the_mean_over_networks(WidthActivation activation, double sw, double sb)
    {
        // points with different norms and angles, including a point against itself
        Tensor x = Tensor.FromArray(new double[] { 0.3, -0.8, 1.5, 0.2, -0.4, -0.4 }, new Shape(3, 2));
        Tensor limit = InfiniteWidth.Kernel(x, x, activation, sw, sb);
        Tensor average = Tensor.Zeros(new Shape(3, 3), DType.Float64);
        for (int s = 0; s < 20; s++)
        {
            average += InfiniteWidth.EmpiricalKernel(x, x, activation, 50_000, new Generator((ulong)(100 + s)), sw, sb);
        }
        average /= 20;
        Assert.Equal(limit.ToDoubleArray(), average.ToDoubleArray(), new Tolerance(0.004, 0.004));
    }

    [Fact]
    public void Relu_closed_form_on_the_diagonal_is_half_the_pre_activation_variance()
    {
        // E[relu(u)^2] = Σ/2 for u ~ N(0, Σ); Σ(x, x) = σ_b² + σ_w² |x|² / d
        Tensor x = Tensor.FromArray(new double[] { 1, 2 }, new Shape(1, 2));
        double sigma = 0.5 + (1.5 * 5 / 2);
        Assert.Equal(sigma / 2, InfiniteWidth.Kernel(x, x, WidthActivation.Relu, 1.5, 0.5)[0, 0], 9);
    }

    [Fact]
    public void Slope_of_a_power_law()
    {
        Assert.Equal(-0.5, InfiniteWidth.LogLogSlope([1, 100, 10000], [1, 0.1, 0.01]), 12);
    }
}

using ChainRule.Kernels;

namespace ChainRule.Tests.Kernels;

public class LeastSquaresTests
{
    [Fact]
    public void Solve_recovers_the_coefficients_of_a_consistent_system()
    {
        // y = 2 - 3t + 0.5t^2 at 6 points: columns 1, t, t^2.
        double[] t = [-1, -0.5, 0, 0.5, 1, 2];
        double[] a = t.SelectMany(v => new[] { 1, v, v * v }).ToArray();
        double[] b = t.Select(v => 2 - (3 * v) + (0.5 * v * v)).ToArray();
        var x = new double[3];

        LeastSquares.Solve(a, 6, 3, b, x);

        Assert.Equal([2, -3, 0.5], x, (p, q) => Math.Abs(p - q) < 1e-12);
    }

    [Fact]
    public void Solve_matches_the_normal_equations_for_an_inconsistent_system()
    {
        // Fit a line to 4 points that do not lie on one.
        double[] a = [1, 0, 1, 1, 1, 2, 1, 3];
        double[] b = [1, 3, 2, 5];
        var x = new double[2];

        LeastSquares.Solve(a, 4, 2, b, x);

        // A^T A = [[4, 6], [6, 14]], A^T b = [11, 22] -> x = [1.1, 1.1]
        Assert.Equal(1.1, x[0], 12);
        Assert.Equal(1.1, x[1], 12);
    }

    [Fact]
    public void Solve_refuses_mismatched_sizes_naming_them()
    {
        var error = Assert.Throws<ArgumentException>(() => LeastSquares.Solve(new double[6], 2, 3, new double[2], new double[3]));

        Assert.Contains("2 x 3", error.Message, StringComparison.Ordinal);
    }
}

namespace ChainRule.Data;

/// <summary>
/// The notes' toy regression set (MISSION 5): two inputs x₁, x₂ ∈ (−1, 1) and a target y ∈ (5, 10).
/// </summary>
/// <remarks>
/// Inputs are uniform on (−1, 1)²; the target is the smooth function
/// <c>f(x₁, x₂) = 7.5 + 1.5 sin(2x₁) cos(1.5x₂) + 0.5 x₂²</c>, whose values lie in [6.13, 9.37], plus Gaussian noise
/// of standard deviation <c>noise</c> (0.1 by default), so that y stays inside (5, 10) unless the noise is made
/// large. Everything is drawn from one seeded generator: the same seed gives the same set.
/// </remarks>
public static class ToyRegression
{
    /// <summary>The noise-free target function.</summary>
    public static double Function(double x1, double x2) => 7.5 + (1.5 * Math.Sin(2 * x1) * Math.Cos(1.5 * x2)) + (0.5 * x2 * x2);

    /// <summary>count points: inputs (count, 2) and noisy targets (count), float64.</summary>
    public static (Tensor Inputs, Tensor Targets) Create(int count, double noise = 0.1, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        var generator = new Generator(seed);
        Tensor inputs = Tensor.RandomUniform(new Shape(count, 2), -1, 1, generator, DType.Float64);
        Tensor eps = Tensor.RandomNormal(new Shape(count), 0, 1, generator, DType.Float64);
        double[] x = inputs.ToDoubleArray(), e = eps.ToDoubleArray();
        var y = new double[count];
        for (int i = 0; i < count; i++)
        {
            y[i] = Function(x[2 * i], x[(2 * i) + 1]) + (noise * e[i]);
        }
        return (inputs, Tensor.FromArray(y));
    }
}

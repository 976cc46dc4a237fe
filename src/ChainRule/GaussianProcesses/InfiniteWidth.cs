using ChainRule.NN;

namespace ChainRule.GaussianProcesses;

/// <summary>Activations whose infinite-width kernel has a closed form.</summary>
public enum WidthActivation
{
    /// <summary>max(0, z): the arc-cosine kernel of order 1 (Cho and Saul, 2009).</summary>
    Relu,

    /// <summary>erf(z), a sigmoid shape: Williams' arcsine kernel (1997).</summary>
    Erf,
}

/// <summary>
/// A network with one hidden layer of width N and random Gaussian weights, and its limit as N → ∞ (MISSION 5:
/// "a 2-layer network whose number of hidden neurons goes to ∞ becomes a Gaussian process").
/// </summary>
/// <remarks>
/// <para>The network, for an input x ∈ ℝ^d: pre-activations z_j(x) = w_jᵀx + b_j with w_j ~ N(0, σ_w²/d · I) and
/// b_j ~ N(0, σ_b²), j = 1..N; output f(x) = Σ_j v_j φ(z_j(x)) with v_j ~ N(0, σ_v²/N). Every z_j is a Gaussian
/// process with covariance Σ(x, y) = σ_b² + σ_w² xᵀy / d, and f, a sum of N independent terms scaled by 1/√N, tends
/// to a Gaussian process (the central limit theorem) with covariance K_∞(x, y) = σ_v² E[φ(u) φ(v)], (u, v) ~
/// N(0, [[Σ(x,x), Σ(x,y)], [Σ(x,y), Σ(y,y)]]) (Neal, 1996; Lee et al., 2018).</para>
/// <para>Closed forms: ReLU, K = σ_v²/(2π) √(Σ_xx Σ_yy) (sin θ + (π − θ) cos θ) with cos θ = Σ_xy / √(Σ_xx Σ_yy);
/// erf, K = σ_v² (2/π) arcsin(2 Σ_xy / √((1 + 2Σ_xx)(1 + 2Σ_yy))).</para>
/// <para>The empirical kernel of one random network of width N, K_N(x, y) = σ_v²/N Σ_j φ(z_j(x)) φ(z_j(y)) (the
/// expectation of f(x) f(y) over v), is an average of N independent terms: K_N − K_∞ shrinks like 1/√N.</para>
/// </remarks>
public static class InfiniteWidth
{
    /// <summary>K_∞ (n, m) of x (n, d) against y (m, d), in float64.</summary>
    public static Tensor Kernel(Tensor x, Tensor y, WidthActivation activation, double weightVariance = 1, double biasVariance = 1, double outputVariance = 1) =>
        new NngpKernel(activation, weightVariance, biasVariance, outputVariance).Matrix(x.To(DType.Float64), y.To(DType.Float64)).Data;

    /// <summary>
    /// K_N (n, m) of one random network of the given width (weights drawn from <paramref name="generator"/>), in float64.
    /// The hidden layer is built in chunks of at most 4,096 units, so any width fits in memory.
    /// </summary>
    public static Tensor EmpiricalKernel(Tensor x, Tensor y, WidthActivation activation, int width, Generator generator,
        double weightVariance = 1, double biasVariance = 1, double outputVariance = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Validate(x, y);
        x = x.To(DType.Float64);
        y = y.To(DType.Float64);
        int d = x.Shape[1];
        bool same = ReferenceEquals(x, y);
        Tensor sum = Tensor.Zeros(new Shape(x.Shape[0], y.Shape[0]), DType.Float64);
        const int Chunk = 4096;
        for (int start = 0; start < width; start += Chunk)
        {
            int units = Math.Min(Chunk, width - start);
            Tensor w = Tensor.RandomNormal(new Shape(d, units), 0, Math.Sqrt(weightVariance / d), generator, DType.Float64);
            Tensor b = Tensor.RandomNormal(new Shape(units), 0, Math.Sqrt(biasVariance), generator, DType.Float64);
            Tensor hx = Activate(Tensor.MatMul(x, w) + b, activation);
            Tensor hy = same ? hx : Activate(Tensor.MatMul(y, w) + b, activation);
            sum += Tensor.MatMul(hx, hy.Transpose());
        }
        return sum * (outputVariance / width);
    }

    /// <summary>
    /// One row of the convergence table: max |K_N − K_∞| over the Gram matrix of x, absolute and as a fraction of max |K_∞|.
    /// </summary>
    public static (double Absolute, double Relative) MaxError(Tensor x, WidthActivation activation, int width, Generator generator,
        double weightVariance = 1, double biasVariance = 1)
    {
        Tensor limit = Kernel(x, x, activation, weightVariance, biasVariance);
        Tensor empirical = EmpiricalKernel(x, x, activation, width, generator, weightVariance, biasVariance);
        double absolute = Tensor.Abs(empirical - limit).Max().Item();
        return (absolute, absolute / Tensor.Abs(limit).Max().Item());
    }

    /// <summary>
    /// The points of the convergence experiment: count points uniform on (−1, 1)^dimensions from a seeded generator,
    /// sorted by their first coordinate (so that a Gram matrix drawn as a picture shows structure).
    /// </summary>
    public static Tensor FixedPoints(int count = 100, int dimensions = 2, ulong seed = 42)
    {
        Tensor x = Tensor.RandomUniform(new Shape(count, dimensions), -1, 1, new Generator(seed), DType.Float64);
        double[] values = x.ToDoubleArray();
        int[] order = Enumerable.Range(0, count).OrderBy(i => values[i * dimensions]).ToArray();
        var sorted = new double[values.Length];
        for (int i = 0; i < count; i++)
        {
            Array.Copy(values, order[i] * dimensions, sorted, i * dimensions, dimensions);
        }
        return Tensor.FromArray(sorted, new Shape(count, dimensions));
    }

    /// <summary>
    /// The convergence table: for each width, max |K_N − K_∞| over x's Gram matrix for networks drawn with seeds
    /// 1..seeds (its median, and the median and the worst as a fraction of max |K_∞|), and the least-squares slope of
    /// log(median error) against log N, which the central limit theorem puts at −1/2.
    /// </summary>
    public static WidthConvergence Convergence(Tensor x, WidthActivation activation, IReadOnlyList<int> widths, int seeds = 10,
        double weightVariance = 1, double biasVariance = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1);
        if (widths.Count == 0)
        {
            throw new ArgumentException("convergence: give at least one width.");
        }
        Tensor limit = Kernel(x, x, activation, weightVariance, biasVariance);
        double scale = Tensor.Abs(limit).Max().Item();
        var rows = new List<WidthConvergenceRow>();
        foreach (int width in widths)
        {
            var errors = new double[seeds];
            for (int s = 0; s < seeds; s++)
            {
                Tensor empirical = EmpiricalKernel(x, x, activation, width, new Generator((ulong)s + 1), weightVariance, biasVariance);
                errors[s] = Tensor.Abs(empirical - limit).Max().Item();
            }
            Array.Sort(errors);
            double median = seeds % 2 == 1 ? errors[seeds / 2] : (errors[(seeds / 2) - 1] + errors[seeds / 2]) / 2;
            rows.Add(new WidthConvergenceRow(width, median, median / scale, errors[^1] / scale));
        }
        double slope = rows.Count > 1 ? LogLogSlope(rows.Select(r => (double)r.Width).ToArray(), rows.Select(r => r.MedianError).ToArray()) : double.NaN;
        return new WidthConvergence(limit, scale, rows, slope);
    }

    /// <summary>The least-squares slope of log y against log x (the rate of a power law y ∝ x^slope).</summary>
    public static double LogLogSlope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 2)
        {
            throw new ArgumentException($"a slope needs at least two points with as many x as y ({x.Count} and {y.Count}).");
        }
        double[] lx = x.Select(v => Math.Log(v)).ToArray(), ly = y.Select(v => Math.Log(v)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        double sxy = 0, sxx = 0;
        for (int i = 0; i < lx.Length; i++)
        {
            sxy += (lx[i] - mx) * (ly[i] - my);
            sxx += (lx[i] - mx) * (lx[i] - mx);
        }
        return sxy / sxx;
    }

    internal static Tensor Activate(Tensor z, WidthActivation activation) => activation == WidthActivation.Relu ? Tensor.Relu(z) : Tensor.Erf(z);

    internal static void Validate(Tensor x, Tensor y)
    {
        if (x.Rank != 2 || y.Rank != 2 || x.Shape[1] != y.Shape[1])
        {
            throw new ArgumentException($"kernel: inputs must be (n, d) and (m, d) with the same d, not {x.Shape} and {y.Shape}.");
        }
    }
}

/// <summary>One width of <see cref="InfiniteWidth.Convergence"/>: the median max |K_N − K_∞| over seeds, relative medians and worst.</summary>
public sealed record WidthConvergenceRow(int Width, double MedianError, double MedianRelative, double WorstRelative);

/// <summary>K_∞ on the points, max |K_∞|, one row per width, and the fitted log-log slope.</summary>
public sealed record WidthConvergence(Tensor Limit, double MaxAbsLimit, IReadOnlyList<WidthConvergenceRow> Rows, double Slope);

/// <summary>
/// The infinite-width kernel K_∞ of <see cref="InfiniteWidth"/> as a GP kernel (the "NNGP"), with σ_w², σ_b² and
/// σ_v² as learnable log-space parameters; differentiable in them and in the inputs.
/// </summary>
public sealed class NngpKernel(WidthActivation activation, double weightVariance = 1, double biasVariance = 1, double outputVariance = 1) : Kernel
{
    public WidthActivation Activation { get; } = activation;

    public Parameter LogWeightVariance { get; } = LogParameter(weightVariance, "log_weight_variance");

    public Parameter LogBiasVariance { get; } = LogParameter(biasVariance, "log_bias_variance");

    public Parameter LogOutputVariance { get; } = LogParameter(outputVariance, "log_output_variance");

    public override Variable Matrix(Variable x, Variable y)
    {
        InfiniteWidth.Validate(x.Data, y.Data);
        Variable sw = F.Exp(LogWeightVariance) / x.Shape[1], sb = F.Exp(LogBiasVariance), sv = F.Exp(LogOutputVariance);
        Variable sxy = (sw * F.MatMul(x, y.T)) + sb;                            // (n, m)
        Variable sxx = (sw * F.Sum(x * x, [1], keepDims: true)) + sb;           // (n, 1)
        Variable syy = F.Unsqueeze((sw * F.Sum(y * y, [1])) + sb, 0);          // (1, m)
        if (Activation == WidthActivation.Erf)
        {
            Variable ratio = 2.0 * sxy / F.Sqrt((1.0 + (2.0 * sxx)) * (1.0 + (2.0 * syy)));
            return sv * (2 / Math.PI) * Arcsin(ratio);
        }
        Variable norms = F.Sqrt(sxx * syy);
        // NOTE: cos θ is clamped inside (-1, 1): rounding puts the diagonal a hair above 1, where arccos has no value
        // and its derivative is infinite.
        Variable cos = F.Clamp(sxy / norms, -1 + 1e-12, 1 - 1e-12);
        Variable sin = F.Sqrt(1.0 - (cos * cos));
        Variable theta = (Math.PI / 2) - Arcsin(cos);
        return sv / (2 * Math.PI) * norms * (sin + ((Math.PI - theta) * cos));
    }

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        [("log_weight_variance", LogWeightVariance), ("log_bias_variance", LogBiasVariance), ("log_output_variance", LogOutputVariance)];

    public override string ToString() =>
        $"NNGP-{Activation}(σw²={Math.Exp(LogWeightVariance.Item()):G4}, σb²={Math.Exp(LogBiasVariance.Item()):G4}, σv²={Math.Exp(LogOutputVariance.Item()):G4})";

    private static Variable Arcsin(Variable r) => F.Asin(r);
}

using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.GaussianProcesses;

/// <summary>
/// The GP's prediction at test points: the posterior mean, the variance of the latent function f(x*), and the
/// predictive variance of a new noisy observation y* = f(x*) + ε, which adds the noise variance σ_n².
/// </summary>
public sealed record GpPrediction(Tensor Mean, Tensor LatentVariance, Tensor PredictiveVariance)
{
    /// <summary>√(predictive variance): the σ of "mean ± 2σ", noise included.</summary>
    public Tensor PredictiveStd => Tensor.Sqrt(PredictiveVariance);
}

/// <summary>How a prediction scores against held-out targets.</summary>
/// <param name="Rmse">Root mean squared error of the posterior mean.</param>
/// <param name="MeanLogLikelihood">Mean over test points of log N(y*; mean, predictive variance): rewards calibrated uncertainty.</param>
/// <param name="Coverage">Fraction of test targets inside mean ± 2 predictive σ (95.4% for a calibrated Gaussian).</param>
public sealed record GpScore(double Rmse, double MeanLogLikelihood, double Coverage)
{
    public static GpScore Of(GpPrediction prediction, Tensor targets)
    {
        double[] mean = prediction.Mean.ToDoubleArray(), variance = prediction.PredictiveVariance.ToDoubleArray(), y = targets.ToDoubleArray();
        if (y.Length != mean.Length)
        {
            throw new ArgumentException($"score: {y.Length} targets for {mean.Length} predictions.");
        }
        double squares = 0, logLikelihood = 0;
        int inside = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double r = y[i] - mean[i];
            squares += r * r;
            logLikelihood += -0.5 * ((r * r / variance[i]) + Math.Log(2 * Math.PI * variance[i]));
            inside += Math.Abs(r) <= 2 * Math.Sqrt(variance[i]) ? 1 : 0;
        }
        return new GpScore(Math.Sqrt(squares / y.Length), logLikelihood / y.Length, (double)inside / y.Length);
    }
}

/// <summary>Settings of <see cref="GaussianProcessRegression.Fit"/>.</summary>
public sealed record GpFitOptions
{
    /// <summary>Adam steps on the negative log marginal likelihood (full batch).</summary>
    public int Steps { get; init; } = 200;

    /// <summary>Adam's learning rate, annealed by a cosine schedule to a tenth of it.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Learning rate of the feature network's weights, when the kernel has one (deep kernel learning).</summary>
    public double NetworkLearningRate { get; init; } = 1e-3;
}

/// <summary>
/// Exact Gaussian-process regression (Rasmussen and Williams, Gaussian Processes for Machine Learning, 2006,
/// algorithm 2.1): y = f(x) + ε, f ~ GP(μ, k), ε ~ N(0, σ_n²), with a constant mean μ, a <see cref="Kernel"/> and the
/// noise variance as parameters, all in float64 by default.
/// </summary>
/// <remarks>
/// With K = k(X, X) + σ_n² I = L Lᵀ and α = K⁻¹ (y − μ):
/// <list type="bullet">
/// <item>posterior mean at x*: μ + k(x*, X) α;</item>
/// <item>latent variance: k(x*, x*) − |L⁻¹ k(X, x*)|², predictive variance: that + σ_n²;</item>
/// <item>log marginal likelihood: −½ (y − μ)ᵀ α − Σ log L_ii − (n/2) log 2π, differentiable in every parameter,
/// including the weights of a feature network inside the kernel: maximizing it trains the network to give the GP
/// a good kernel (deep kernel learning).</item>
/// </list>
/// A kernel matrix that is numerically indefinite is factored with growing jitter (<see cref="F.CholeskyWithJitter"/>);
/// <see cref="LastJitter"/> says what was added.
/// </remarks>
public sealed class GaussianProcessRegression
{
    public GaussianProcessRegression(Kernel kernel, double noiseVariance = 0.01, double mean = 0)
    {
        Kernel = kernel;
        if (!(noiseVariance > 0) || !double.IsFinite(noiseVariance))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseVariance), noiseVariance, "the noise variance must be positive and finite.");
        }
        LogNoiseVariance = new Parameter(Tensor.Scalar(Math.Log(noiseVariance), DType.Float64), "log_noise_variance");
        Mean = new Parameter(Tensor.Scalar(mean, DType.Float64), "mean");
    }

    public Kernel Kernel { get; }

    /// <summary>log σ_n², learnable.</summary>
    public Parameter LogNoiseVariance { get; }

    /// <summary>The constant prior mean μ, learnable.</summary>
    public Parameter Mean { get; }

    public double NoiseVariance => Math.Exp(LogNoiseVariance.Item());

    /// <summary>The jitter the last factorization added to the kernel matrix's diagonal (0: none was needed).</summary>
    public double LastJitter { get; private set; }

    /// <summary>Every learnable parameter: the mean, the noise and the kernel's (with its network's, if any).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        new[] { ("mean", Mean), ("log_noise_variance", LogNoiseVariance) }.Concat(Kernel.NamedParameters().Select(p => ("kernel." + p.Name, p.Parameter)));

    /// <summary>log p(y | X) for training inputs x (n, d) and targets y (n), as a differentiable scalar.</summary>
    public Variable LogMarginalLikelihood(Tensor x, Tensor y)
    {
        (Variable lower, Variable alpha, Variable residual) = Factor(x, y);
        int n = x.Shape[0];
        return (-0.5 * F.Sum(residual * alpha)) - (0.5 * F.LogDetFromCholesky(lower)) - (0.5 * n * Math.Log(2 * Math.PI));
    }

    /// <summary>The posterior at test inputs xTest (m, d), given the training set (x, y). No graph is recorded.</summary>
    public GpPrediction Predict(Tensor x, Tensor y, Tensor xTest)
    {
        using Autograd.Scope noGrad = Autograd.NoGrad();
        (Variable lower, Variable alpha, _) = Factor(x, y);
        Variable train = x.To(DType.Float64), test = xTest.To(DType.Float64);
        Tensor cross = Kernel.Matrix(train, test).Data;                             // k(X, x*) (n, m)
        Tensor mean = Tensor.MatMul(cross.Transpose(), alpha.Data) + Mean.Data;     // (m)
        Tensor v = Tensor.TriangularSolve(lower.Data, cross);                       // L⁻¹ k(X, x*)
        Tensor latent = Kernel.Diagonal(test).Data.To(DType.Float64) - (v * v).Sum(0);
        latent = Tensor.Maximum(latent, Tensor.Scalar(0, DType.Float64));          // rounding can dip below 0 where the data pins f
        return new GpPrediction(mean, latent, latent + NoiseVariance);
    }

    /// <summary>
    /// Draws from the posterior of the latent function at xTest (m, d): (count, m) samples of mean + chol(Σ*) z, Σ* the
    /// posterior covariance k(x*, x*) − vᵀv (factored with jitter: it is singular where the data pins f down).
    /// </summary>
    public Tensor SamplePosterior(Tensor x, Tensor y, Tensor xTest, int count, Generator generator)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        using Autograd.Scope noGrad = Autograd.NoGrad();
        (Variable lower, Variable alpha, _) = Factor(x, y);
        Variable train = x.To(DType.Float64), test = xTest.To(DType.Float64);
        Tensor cross = Kernel.Matrix(train, test).Data;
        Tensor mean = Tensor.MatMul(cross.Transpose(), alpha.Data) + Mean.Data;
        Tensor v = Tensor.TriangularSolve(lower.Data, cross);
        Tensor covariance = Kernel.Matrix(test, test).Data - Tensor.MatMul(v.Transpose(), v);
        Tensor factor = Tensor.CholeskyWithJitter(covariance, out _, initialJitter: 1e-10);
        Tensor z = Tensor.RandomNormal(new Shape(xTest.Shape[0], count), 0, 1, generator, DType.Float64);
        return (Tensor.MatMul(factor, z) + mean.Unsqueeze(1)).Transpose().Contiguous();
    }

    /// <summary>
    /// Maximizes the log marginal likelihood over every parameter with Adam (full batch); returns the value after
    /// each step, divided by n (the mean log-likelihood per training point).
    /// </summary>
    public double[] Fit(Tensor x, Tensor y, GpFitOptions? options = null, Action<int, double>? onStep = null)
    {
        options ??= new GpFitOptions();
        Parameter[] network = Kernel switch
        {
            NetworkKernel k => k.Features.Parameters().ToArray(),
            DeepKernel k => k.Features.Parameters().ToArray(),
            _ => [],
        };
        Parameter[] hyper = NamedParameters().Select(p => p.Parameter).Except(network).ToArray();
        var optimizers = new List<(Optimizer Optimizer, double Rate)> { (new Adam(hyper, options.LearningRate), options.LearningRate) };
        if (network.Length > 0 && options.NetworkLearningRate > 0)
        {
            optimizers.Add((new Adam(network, options.NetworkLearningRate), options.NetworkLearningRate));
        }
        var schedule = new CosineDecay(options.Steps, minFactor: 0.1);
        var history = new double[options.Steps];
        int n = x.Shape[0];
        for (int step = 0; step < options.Steps; step++)
        {
            foreach ((Optimizer o, double rate) in optimizers)
            {
                o.ZeroGrad();
                o.LearningRate = rate * schedule.Factor(step);
            }
            Variable lml = LogMarginalLikelihood(x, y);
            (-lml / n).Backward();
            foreach ((Optimizer o, _) in optimizers)
            {
                o.Step();
            }
            history[step] = lml.Item() / n;
            onStep?.Invoke(step, history[step]);
        }
        return history;
    }

    // L = chol(k(X, X) + σ_n² I), α = K⁻¹ (y − μ), and y − μ; on the graph when gradients are on.
    private (Variable Lower, Variable Alpha, Variable Residual) Factor(Tensor x, Tensor y)
    {
        if (x.Rank != 2 || y.Rank != 1 || y.Shape[0] != x.Shape[0])
        {
            throw new ArgumentException($"gaussian process: inputs must be (n, d) and targets (n), not {x.Shape} and {y.Shape}.");
        }
        Variable train = x.To(DType.Float64);
        Variable k = Kernel.Matrix(train, train) + (F.Exp(LogNoiseVariance) * Tensor.Eye(x.Shape[0], DType.Float64));
        Variable lower = F.CholeskyWithJitter(k, out double jitter);
        LastJitter = jitter;
        Variable residual = y.To(DType.Float64) - Mean;
        Variable alpha = F.CholeskySolve(residual, lower);
        return (lower, alpha, residual);
    }
}

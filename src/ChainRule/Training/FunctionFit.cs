using System.Diagnostics;
using ChainRule.Explain;
using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Training;

/// <summary>Settings of <see cref="FunctionFit.Fit"/>.</summary>
public sealed record FunctionFitOptions
{
    public double Low { get; init; } = -1;

    public double High { get; init; } = 1;

    /// <summary>Units in the one hidden layer.</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>Full-batch Adam steps.</summary>
    public int Epochs { get; init; } = 3000;

    /// <summary>Adam's initial learning rate, annealed by a cosine schedule to a hundredth of it.</summary>
    public double LearningRate { get; init; } = 0.03;

    /// <summary>Training points, evenly spaced over [Low, High].</summary>
    public int Samples { get; init; } = 256;

    /// <summary>Points of the dense grid on which the error is measured.</summary>
    public int GridPoints { get; init; } = 1000;

    /// <summary>After Adam, set the output layer to its least-squares optimum for the learned hidden features.</summary>
    public bool SolveOutputLayer { get; init; } = true;

    public ulong Seed { get; init; } = 1;
}

/// <summary>The largest and the mean absolute error on the grid.</summary>
public sealed record FitErrors(double Max, double Mean);

/// <summary>The fitted curve on the dense grid and its errors, after Adam and (if solved) with the least-squares output layer.</summary>
public sealed record FunctionFitResult(double[] X, double[] Target, double[] Fit, FitErrors Errors, FitErrors AdamErrors, double AdamLoss, TimeSpan Elapsed)
{
    /// <summary>|fit - target| at each grid point.</summary>
    public double[] Error => Target.Zip(Fit, (t, f) => Math.Abs(f - t)).ToArray();
}

/// <summary>
/// The universal approximation theorem as an experiment (MISSION 5): a network with one hidden layer,
/// Linear(1, hidden) - tanh - Linear(hidden, 1), trained on samples of a function of x over an interval, then
/// measured on a dense grid. More hidden units drive the error down.
/// </summary>
/// <remarks>
/// <para>Training: full-batch Adam on the mean squared error, cosine learning-rate decay, in float32. The network
/// sees x mapped to [-1, 1] and the target standardised (zero mean, unit variance over the samples); predictions are
/// mapped back, so errors are in the function's own units. The first layer starts with w ~ U(-2, 2) and
/// b ~ U(-|w|, |w|), so each tanh step (at x = -b/w) sits inside the interval.</para>
/// <para>Then, unless <see cref="FunctionFitOptions.SolveOutputLayer"/> is off, the network is taken to float64 and its
/// output layer is replaced by the least-squares optimum for the hidden features Adam learned (the notes' view of a
/// network as a learned feature map followed by a linear model). Adam alone stalls near 1e-3 whatever the width;
/// the solved output layer shows what the width can represent. Both errors are reported. The seed fixes every number.</para>
/// </remarks>
public static class FunctionFit
{
    /// <summary>Trains on <paramref name="function"/>, an expression in the single name x (e.g. <c>sin(3*x)</c>).</summary>
    /// <param name="onProgress">Called every 100 Adam steps and after the last one with the step count and the training loss.</param>
    /// <exception cref="ArgumentException">The expression uses another name or is not elementwise, or a setting is out of range.</exception>
    public static FunctionFitResult Fit(Expression function, FunctionFitOptions options, Action<int, double>? onProgress = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(options);
        Validate(function, options);
        var watch = Stopwatch.StartNew();

        // x: (samples, 1); the network's input is x scaled to [-1, 1], its target y standardised.
        Tensor x = Scaled(Tensor.Linspace(options.Low, options.High, options.Samples, DType.Float64).Reshape(-1, 1), options);
        Tensor y = Evaluate(function, Unscaled(x, options));
        double mean = y.ToDoubleArray().Average();
        double std = Math.Sqrt(y.ToDoubleArray().Select(v => (v - mean) * (v - mean)).Average());
        double scale = std > 0 ? std : 1;
        Tensor target = (y - mean) / scale;

        var generator = new Generator(options.Seed);
        var hidden = new Linear(1, options.Hidden, generator);
        var output = new Linear(options.Hidden, 1, generator);
        Tensor w = Tensor.RandomUniform([options.Hidden, 1], -2, 2, generator);
        hidden.Weight.Data = w;
        hidden.Bias!.Data = Tensor.RandomUniform([options.Hidden], -1, 1, generator) * Tensor.Abs(w.Reshape(options.Hidden));
        var network = new Sequential(hidden, new Tanh(), output);

        double loss = Train(network, x.To(DType.Float32), target.To(DType.Float32), options, onProgress);

        foreach (Parameter p in network.Parameters())
        {
            p.Data = p.Data.To(DType.Float64); // exact: every float32 is a float64
        }
        Tensor grid = Scaled(Tensor.Linspace(options.Low, options.High, options.GridPoints, DType.Float64).Reshape(-1, 1), options);
        Tensor truth = Evaluate(function, Unscaled(grid, options));
        Tensor adamFit = Predict(network, grid, mean, scale);
        Tensor fit = adamFit;
        if (options.SolveOutputLayer)
        {
            SolveOutputLayer(hidden, output, x, target);
            fit = Predict(network, grid, mean, scale);
        }
        return new FunctionFitResult(
            Unscaled(grid, options).ToDoubleArray(), truth.ToDoubleArray(), fit.ToDoubleArray(),
            Errors(fit, truth), Errors(adamFit, truth), loss, watch.Elapsed);
    }

    private static double Train(Sequential network, Tensor x, Tensor target, FunctionFitOptions options, Action<int, double>? onProgress)
    {
        var adam = new Adam(network.Parameters(), options.LearningRate);
        var schedule = new CosineDecay(options.Epochs, minFactor: 0.01);
        double loss = double.NaN;
        for (int step = 0; step < options.Epochs; step++)
        {
            schedule.Apply(adam, options.LearningRate, step);
            adam.ZeroGrad();
            Variable l = Losses.MeanSquaredError(network.Forward(x), target);
            l.Backward();
            adam.Step();
            loss = l.Item();
            if ((step + 1) % 100 == 0 || step + 1 == options.Epochs)
            {
                onProgress?.Invoke(step + 1, loss);
            }
        }
        return loss;
    }

    // The output layer's weights and bias that minimise the squared error for the fixed hidden features:
    // [tanh(x W1^T + b1), 1] [w2; b2] = target in the least-squares sense.
    private static void SolveOutputLayer(Linear hidden, Linear output, Tensor x, Tensor target)
    {
        Tensor features;
        using (Autograd.NoGrad())
        {
            features = F.Tanh(hidden.Forward(x)).Data;                                // (samples, hidden)
        }
        int samples = features.Shape[0], units = features.Shape[1];
        Tensor a = Tensor.Concat([features, Tensor.Ones([samples, 1], DType.Float64)], 1);  // (samples, hidden + 1)
        var solution = new double[units + 1];
        Kernels.LeastSquares.Solve(a.ToDoubleArray(), samples, units + 1, target.ToDoubleArray(), solution);
        output.Weight.Data = Tensor.FromArray(solution[..units], [1, units]);
        output.Bias!.Data = Tensor.FromArray(solution[units..], [1]);
    }

    private static Tensor Predict(Sequential network, Tensor x, double mean, double scale)
    {
        using (Autograd.NoGrad())
        {
            return (network.Forward(x).Data * scale) + mean;
        }
    }

    private static FitErrors Errors(Tensor fit, Tensor truth)
    {
        double[] error = Tensor.Abs(fit - truth).ToDoubleArray();
        return new FitErrors(error.Max(), error.Average());
    }

    private static Tensor Scaled(Tensor x, FunctionFitOptions o) => ((x * 2) - (o.Low + o.High)) / (o.High - o.Low);

    private static Tensor Unscaled(Tensor t, FunctionFitOptions o) => ((t * (o.High - o.Low)) + (o.Low + o.High)) / 2;

    private static Tensor Evaluate(Expression function, Tensor x)
    {
        Tensor y = function.Evaluate(new Dictionary<string, Tensor> { ["x"] = x });
        if (y.Shape != x.Shape)
        {
            throw new ArgumentException($"fit: the function must give one value per x, elementwise (sum, mean and @ do not); it gave shape {y.Shape}.");
        }
        if (!y.IsFinite())
        {
            throw new ArgumentException("fit: the function is not finite everywhere on the range (log or sqrt of a negative number, or a division by zero?).");
        }
        return y.To(DType.Float64);
    }

    private const int MaxHidden = 100_000;

    private static void Validate(Expression function, FunctionFitOptions options)
    {
        if (function.Inputs.Any(name => name != "x"))
        {
            throw new ArgumentException($"fit: the function may use only x, but it uses {string.Join(", ", function.Inputs.Where(n => n != "x").Select(n => $"'{n}'"))}.");
        }
        if (!(options.Low < options.High) || !double.IsFinite(options.Low) || !double.IsFinite(options.High))
        {
            throw new ArgumentException($"fit: the range must be two finite numbers, low < high; got {TensorText.Number(options.Low)},{TensorText.Number(options.High)}.");
        }
        if (options.Hidden < 1 || options.Epochs < 1 || options.Samples < 2 || options.GridPoints < 2)
        {
            throw new ArgumentException("fit: needs at least 1 hidden unit, 1 step, 2 samples and 2 grid points.");
        }
        if (options.Hidden > MaxHidden)
        {
            throw new ArgumentException($"fit: {options.Hidden} hidden units: at most 100,000 (the hidden layer of every sample and grid point is held in memory).");
        }
        if (options.SolveOutputLayer && options.Samples < options.Hidden + 1)
        {
            throw new ArgumentException($"fit: solving the output layer by least squares needs at least hidden + 1 = {options.Hidden + 1} samples, not {options.Samples}: raise --samples or pass --adam-only.");
        }
        if (!(options.LearningRate > 0) || !double.IsFinite(options.LearningRate))
        {
            throw new ArgumentException("fit: the learning rate must be a finite number greater than 0.");
        }
    }
}

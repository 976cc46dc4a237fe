using System.Diagnostics;
using ChainRule.Data;
using ChainRule.Explain;
using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.GaussianProcesses;

/// <summary>Which kernel a <see cref="GpExperiment"/> fits.</summary>
public enum GpKernelChoice
{
    /// <summary>RBF (length-scale, variance), hyperparameters by maximum marginal likelihood.</summary>
    Rbf,

    /// <summary>The infinite-width ReLU network's kernel (arc-cosine), σ_w², σ_b², σ_v² by marginal likelihood.</summary>
    NngpRelu,

    /// <summary>The infinite-width erf network's kernel (arcsine).</summary>
    NngpErf,

    /// <summary>
    /// The trained network's own kernel, σ² φ(x)ᵀφ(y) / width with φ its last hidden layer; then the network's weights
    /// and σ², σ_n² tuned together by marginal likelihood (deep kernel learning on the linear kernel).
    /// </summary>
    Network,

    /// <summary>An RBF kernel on the trained network's features φ, tuned together by marginal likelihood (GPyTorch's DKL).</summary>
    Deep,
}

/// <summary>Settings of <see cref="GpExperiment.Run"/>.</summary>
public sealed record GpExperimentOptions
{
    /// <summary>A function of x (the expression language of <c>explain</c>) sampled on [Low, High]; null: the toy set.</summary>
    public string? Function { get; init; }

    public double Low { get; init; } = -1;

    public double High { get; init; } = 1;

    /// <summary>Training points (uniform over the range, or from the toy set).</summary>
    public int Samples { get; init; } = 500;

    /// <summary>Test points: evenly spaced over the range for a function of x, fresh draws for the toy set.</summary>
    public int TestPoints { get; init; } = 1000;

    /// <summary>Standard deviation of the Gaussian noise on every target, training and test.</summary>
    public double Noise { get; init; } = 0.1;

    public GpKernelChoice Kernel { get; init; } = GpKernelChoice.Rbf;

    /// <summary>Hidden layers of the network (tanh), for the network and deep kernels.</summary>
    public int[] Hidden { get; init; } = [64, 64];

    /// <summary>Full-batch AdamW steps that train the network alone on the mean squared error.</summary>
    public int NetworkSteps { get; init; } = 3000;

    /// <summary>Adam steps on the negative log marginal likelihood.</summary>
    public int GpSteps { get; init; } = 200;

    public ulong Seed { get; init; } = 1;
}

/// <summary>What <see cref="GpExperiment.Run"/> measured: the GP's score on the test set and, with a network, the network's alone.</summary>
public sealed record GpExperimentResult(
    Tensor TrainInputs, Tensor TrainTargets, Tensor TestInputs, Tensor TestTargets,
    GpPrediction Prediction, GpScore Score, double? NetworkRmse, Tensor? NetworkPrediction,
    string KernelDescription, double NoiseVariance, double LogMarginalLikelihoodPerPoint, TimeSpan Elapsed);

/// <summary>
/// One GP regression run end to end, as <c>chainrule gp</c> does it: noisy samples of a function of x (or the notes'
/// toy set), a kernel fitted by marginal likelihood, and the posterior scored on held-out noisy targets (RMSE, mean
/// predictive log-likelihood, fraction inside ±2σ, σ including the noise).
/// </summary>
public static class GpExperiment
{
    public static GpExperimentResult Run(GpExperimentOptions options, Action<string>? log = null)
    {
        Validate(options);
        var clock = Stopwatch.StartNew();
        (Tensor x, Tensor y, Tensor xTest, Tensor yTest) = Data(options);
        double mean = y.Mean().Item(), variance = Math.Max(y.Var().Item(), 1e-12);

        RegressionNetwork? network = null;
        if (options.Kernel is GpKernelChoice.Network or GpKernelChoice.Deep)
        {
            log?.Invoke($"training the network {x.Shape[1]}-{string.Join("-", options.Hidden)}-1 (tanh) alone: {options.NetworkSteps} full-batch AdamW steps on the squared error");
            network = RegressionNetwork.Train(x, y, options.Hidden, options.NetworkSteps, options.Seed);
        }
        // NOTE: before the GP's fit, which tunes the network's features and so leaves its output layer behind.
        Tensor? networkPrediction = network?.Predict(xTest);
        Kernel kernel = options.Kernel switch
        {
            GpKernelChoice.Rbf => new RbfKernel(lengthScale: 0.5 * (options.Function is null ? 1 : (options.High - options.Low) / 2), variance),
            GpKernelChoice.NngpRelu => new NngpKernel(WidthActivation.Relu, outputVariance: variance),
            GpKernelChoice.NngpErf => new NngpKernel(WidthActivation.Erf, outputVariance: variance),
            GpKernelChoice.Network => new NetworkKernel(network!.Features, variance),
            _ => new DeepKernel(network!.Features, new RbfKernel(1, variance)),
        };
        var gp = new GaussianProcessRegression(kernel, noiseVariance: 0.1 * variance, mean: mean);
        log?.Invoke($"maximizing the log marginal likelihood of {x.Shape[0]} points: {options.GpSteps} Adam steps"
            + (network is null ? "" : " (the network's weights too)"));
        double[] history = gp.Fit(x, y, new GpFitOptions { Steps = options.GpSteps }, (step, lml) =>
        {
            if (step % 50 == 0 || step == options.GpSteps - 1)
            {
                log?.Invoke($"  step {step,4}  log marginal likelihood per point {lml:0.0000}");
            }
        });
        GpPrediction prediction = gp.Predict(x, y, xTest);
        double? networkRmse = networkPrediction is null ? null : Math.Sqrt(((networkPrediction - yTest) * (networkPrediction - yTest)).Mean().Item());
        return new GpExperimentResult(x, y, xTest, yTest, prediction, GpScore.Of(prediction, yTest), networkRmse, networkPrediction,
            gp.Kernel.ToString() ?? "", gp.NoiseVariance, history[^1], clock.Elapsed);
    }

    private static (Tensor X, Tensor Y, Tensor XTest, Tensor YTest) Data(GpExperimentOptions o)
    {
        if (o.Function is null)
        {
            (Tensor x, Tensor y) = ToyRegression.Create(o.Samples, o.Noise, o.Seed);
            (Tensor xt, Tensor yt) = ToyRegression.Create(o.TestPoints, o.Noise, o.Seed + 1_000_003);
            return (x, y, xt, yt);
        }
        Expression function = Expression.Parse(o.Function);
        if (function.Inputs.Any(name => name != "x"))
        {
            throw new ArgumentException($"gp: the function may use only x, but it uses {string.Join(", ", function.Inputs.Where(n => n != "x").Select(n => $"'{n}'"))}.");
        }
        var generator = new Generator(o.Seed);
        Tensor train = Tensor.RandomUniform(new Shape(o.Samples), o.Low, o.High, generator, DType.Float64);
        Tensor test = Tensor.Linspace(o.Low, o.High, o.TestPoints, DType.Float64);
        Tensor Noisy(Tensor at) => Evaluate(function, at) + Tensor.RandomNormal(at.Shape, 0, o.Noise, generator, DType.Float64);
        return (train.Unsqueeze(1), Noisy(train), test.Unsqueeze(1), Noisy(test));
    }

    private static Tensor Evaluate(Expression function, Tensor x)
    {
        Tensor y = function.Evaluate(new Dictionary<string, Tensor> { ["x"] = x }).To(DType.Float64);
        if (y.Shape != x.Shape)
        {
            throw new ArgumentException($"gp: the function must give one value per x, elementwise (sum, mean and @ do not); it gave shape {y.Shape}.");
        }
        if (!y.IsFinite())
        {
            throw new ArgumentException("gp: the function is not finite everywhere on the range (log or sqrt of a negative number, or a division by zero?).");
        }
        return y;
    }

    private static void Validate(GpExperimentOptions o)
    {
        if (o.Function is not null && (!(o.Low < o.High) || !double.IsFinite(o.Low) || !double.IsFinite(o.High)))
        {
            throw new ArgumentException($"gp: the range must be two finite numbers, low < high; got {TensorText.Number(o.Low)},{TensorText.Number(o.High)}.");
        }
        if (o.Samples < 2 || o.TestPoints < 2 || o.GpSteps < 1 || o.NetworkSteps < 1 || o.Hidden.Length == 0 || o.Hidden.Any(h => h < 1))
        {
            throw new ArgumentException("gp: needs at least 2 samples, 2 test points, 1 step and a hidden layer of at least 1 unit.");
        }
        if (!(o.Noise > 0) || !double.IsFinite(o.Noise))
        {
            throw new ArgumentException($"gp: the noise must be a finite number greater than 0, not {TensorText.Number(o.Noise)}.");
        }
        if (o.Samples > 20_000)
        {
            throw new ArgumentException($"gp: {o.Samples} samples: an exact GP factors an n x n matrix (n^3/3 operations, 8 n^2 bytes); at most 20,000.");
        }
    }
}

/// <summary>
/// A regression network d - hidden... - 1 with tanh units, trained alone on the squared error (targets standardized,
/// full-batch AdamW, cosine decay), whose last hidden layer gives the features φ of its kernel.
/// </summary>
public sealed class RegressionNetwork
{
    private readonly double _mean, _std;

    private RegressionNetwork(Sequential network, double mean, double std)
    {
        Network = network;
        Features = new Sequential([.. network.Layers.Take(network.Layers.Count - 1)]);
        _mean = mean;
        _std = std;
    }

    public Sequential Network { get; }

    /// <summary>The map from the input to the last hidden layer (shares its weights with <see cref="Network"/>).</summary>
    public Module Features { get; }

    public static RegressionNetwork Train(Tensor x, Tensor y, int[] hidden, int steps, ulong seed, double learningRate = 0.01)
    {
        Sequential network = Mlp.Create(new MlpConfig { Inputs = x.Shape[1], Hidden = hidden, Outputs = 1, Activation = "tanh" }, new Generator(seed));
        double mean = y.Mean().Item(), std = Math.Max(y.Std().Item(), 1e-12);
        var optimizer = new AdamW(network.Parameters(), learningRate, weightDecay: 0);
        var schedule = new CosineDecay(steps, minFactor: 0.01);
        Variable inputs = x.To(DType.Float32);
        Tensor targets = ((y - mean) / std).To(DType.Float32).Unsqueeze(1);
        for (int step = 0; step < steps; step++)
        {
            optimizer.ZeroGrad();
            optimizer.LearningRate = learningRate * schedule.Factor(step);
            F.Mean(F.Square(network.Forward(inputs) - targets)).Backward();
            optimizer.Step();
        }
        return new RegressionNetwork(network, mean, std);
    }

    /// <summary>The network's prediction (n) in the targets' units, float64.</summary>
    public Tensor Predict(Tensor x)
    {
        using Autograd.Scope noGrad = Autograd.NoGrad();
        Tensor standardized = Network.Forward(x.To(DType.Float32)).Data.To(DType.Float64).Reshape(x.Shape[0]);
        return (standardized * _std) + _mean;
    }
}

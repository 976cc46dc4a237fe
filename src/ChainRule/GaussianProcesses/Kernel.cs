using ChainRule.NN;

namespace ChainRule.GaussianProcesses;

/// <summary>
/// A covariance function k(x, y) as a function of Variables: <see cref="Matrix"/> gives the Gram matrix
/// K[i, j] = k(x_i, y_j) for x (n, d) and y (m, d), differentiable in the inputs and in the kernel's parameters.
/// </summary>
/// <remarks>
/// Positive hyperparameters (length-scales, variances) are stored as logarithms, so gradient steps never leave the
/// positive half-line (GPyTorch's constraints do the same with a softplus). Kernels combine with + and *, as in
/// scikit-learn and GPyTorch: (k1 + k2)(x, y) = k1(x, y) + k2(x, y), (k1 * k2)(x, y) = k1(x, y) k2(x, y).
/// </remarks>
public abstract class Kernel
{
    /// <summary>The Gram matrix K (n, m) of x (n, d) against y (m, d).</summary>
    public abstract Variable Matrix(Variable x, Variable y);

    /// <summary>k(x_i, x_i) for every row of x, as (n): the prior variance at each point.</summary>
    public virtual Variable Diagonal(Variable x) => F.Diagonal(Matrix(x, x));

    /// <summary>This kernel's learnable parameters with their names (sub-kernels' names composed with dots).</summary>
    public virtual IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [];

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    public static Kernel operator +(Kernel a, Kernel b) => new SumKernel(a, b);

    public static Kernel operator *(Kernel a, Kernel b) => new ProductKernel(a, b);

    /// <summary>A log-space parameter holding log(value), in float64 (the GP's default type).</summary>
    protected static Parameter LogParameter(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and finite.");
        }
        return new Parameter(Tensor.Scalar(Math.Log(value), DType.Float64), name);
    }

    /// <summary>Squared Euclidean distances |x_i - y_j|^2 (n, m) as |x|^2 + |y|^2 - 2 x y^T, clamped at 0 against rounding.</summary>
    protected internal static Variable SquaredDistances(Variable x, Variable y)
    {
        Variable xx = F.Sum(x * x, [1], keepDims: true);          // (n, 1)
        Variable yy = F.Unsqueeze(F.Sum(y * y, [1]), 0);          // (1, m)
        Variable d = xx + yy - (2.0 * F.MatMul(x, y.T));
        return F.Clamp(d, 0, double.PositiveInfinity);
    }
}

/// <summary>
/// The squared-exponential (RBF) kernel k(x, y) = σ² exp(-|x - y|² / 2ℓ²), length-scale ℓ and variance σ².
/// </summary>
public sealed class RbfKernel(double lengthScale = 1, double variance = 1) : Kernel
{
    public Parameter LogLengthScale { get; } = LogParameter(lengthScale, "log_lengthscale");

    public Parameter LogVariance { get; } = LogParameter(variance, "log_variance");

    public double LengthScale => Math.Exp(LogLengthScale.Item());

    public double Variance => Math.Exp(LogVariance.Item());

    public override Variable Matrix(Variable x, Variable y)
    {
        Variable scale = F.Exp(-LogLengthScale);
        Variable d = SquaredDistances(x * scale, y * scale);
        return F.Exp(LogVariance - (0.5 * d));
    }

    public override Variable Diagonal(Variable x) => F.Exp(LogVariance) * Tensor.Ones(new Shape(x.Shape[0]), x.DType);

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        [("log_lengthscale", LogLengthScale), ("log_variance", LogVariance)];

    public override string ToString() => $"RBF(lengthscale={LengthScale:G4}, variance={Variance:G4})";
}

/// <summary>The linear (dot-product) kernel k(x, y) = σ_b² + σ² xᵀy: Bayesian linear regression as a GP.</summary>
public sealed class LinearKernel(double variance = 1, double biasVariance = 1) : Kernel
{
    public Parameter LogVariance { get; } = LogParameter(variance, "log_variance");

    public Parameter LogBiasVariance { get; } = LogParameter(biasVariance, "log_bias_variance");

    public override Variable Matrix(Variable x, Variable y) => (F.Exp(LogVariance) * F.MatMul(x, y.T)) + F.Exp(LogBiasVariance);

    public override Variable Diagonal(Variable x) => (F.Exp(LogVariance) * F.Sum(x * x, [1])) + F.Exp(LogBiasVariance);

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        [("log_variance", LogVariance), ("log_bias_variance", LogBiasVariance)];

    public override string ToString() => $"Linear(variance={Math.Exp(LogVariance.Item()):G4}, bias={Math.Exp(LogBiasVariance.Item()):G4})";
}

/// <summary>
/// White noise k(x, y) = σ² [x and y are the same point set and i = j] (scikit-learn's WhiteKernel): σ² I on the
/// training Gram matrix, zero between different sets, so it models observation noise inside a kernel sum.
/// </summary>
public sealed class WhiteNoiseKernel(double variance = 0.01) : Kernel
{
    public Parameter LogVariance { get; } = LogParameter(variance, "log_variance");

    public override Variable Matrix(Variable x, Variable y) => ReferenceEquals(x, y)
        ? F.Exp(LogVariance) * Tensor.Eye(x.Shape[0], x.DType)
        : (Variable)Tensor.Zeros(new Shape(x.Shape[0], y.Shape[0]), x.DType);

    public override Variable Diagonal(Variable x) => F.Exp(LogVariance) * Tensor.Ones(new Shape(x.Shape[0]), x.DType);

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [("log_variance", LogVariance)];

    public override string ToString() => $"WhiteNoise(variance={Math.Exp(LogVariance.Item()):G4})";
}

/// <summary>k1 + k2.</summary>
public sealed class SumKernel(Kernel first, Kernel second) : Kernel
{
    public override Variable Matrix(Variable x, Variable y) => first.Matrix(x, y) + second.Matrix(x, y);

    public override Variable Diagonal(Variable x) => first.Diagonal(x) + second.Diagonal(x);

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        first.NamedParameters().Select(p => ("0." + p.Name, p.Parameter)).Concat(second.NamedParameters().Select(p => ("1." + p.Name, p.Parameter)));

    public override string ToString() => $"{first} + {second}";
}

/// <summary>k1 · k2 (elementwise: the product of two kernels is a kernel, Schur's product theorem).</summary>
public sealed class ProductKernel(Kernel first, Kernel second) : Kernel
{
    public override Variable Matrix(Variable x, Variable y) => first.Matrix(x, y) * second.Matrix(x, y);

    public override Variable Diagonal(Variable x) => first.Diagonal(x) * second.Diagonal(x);

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        first.NamedParameters().Select(p => ("0." + p.Name, p.Parameter)).Concat(second.NamedParameters().Select(p => ("1." + p.Name, p.Parameter)));

    public override string ToString() => $"({first}) * ({second})";
}

/// <summary>
/// The kernel a network defines (MISSION 5): K(x, y) = σ² φ(x)ᵀφ(y) / width, φ the map from the input to the last
/// hidden layer (or any feature Module), differentiable in the inputs, in σ² and in the network's weights.
/// Dividing by the width keeps K of order one whatever the layer's size (the NTK/NNGP normalization).
/// </summary>
public sealed class NetworkKernel(Module features, double variance = 1) : Kernel
{
    public Module Features { get; } = features;

    public Parameter LogVariance { get; } = LogParameter(variance, "log_variance");

    public override Variable Matrix(Variable x, Variable y)
    {
        Variable fx = Features.Forward(x);
        Variable fy = ReferenceEquals(x, y) ? fx : Features.Forward(y);
        return F.Exp(LogVariance) * F.MatMul(fx, fy.T) / fx.Shape[1];
    }

    public override Variable Diagonal(Variable x)
    {
        Variable fx = Features.Forward(x);
        return F.Exp(LogVariance) * F.Sum(fx * fx, [1]) / fx.Shape[1];
    }

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        new[] { ("log_variance", LogVariance) }.Concat(Features.NamedParameters().Select(p => ("features." + p.Name, p.Parameter)));

    public override string ToString() => $"Network(variance={Math.Exp(LogVariance.Item()):G4})";
}

/// <summary>
/// Deep kernel learning (Wilson et al., 2016, as GPyTorch does it): a base kernel (RBF by default) on learned
/// features, k(x, y) = k_base(φ(x), φ(y)); trained through the marginal likelihood, the network learns the kernel.
/// </summary>
public sealed class DeepKernel(Module features, Kernel? baseKernel = null) : Kernel
{
    public Module Features { get; } = features;

    public Kernel Base { get; } = baseKernel ?? new RbfKernel();

    public override Variable Matrix(Variable x, Variable y)
    {
        Variable fx = Features.Forward(x);
        return Base.Matrix(fx, ReferenceEquals(x, y) ? fx : Features.Forward(y));
    }

    public override Variable Diagonal(Variable x) => Base.Diagonal(Features.Forward(x));

    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        Base.NamedParameters().Select(p => ("base." + p.Name, p.Parameter)).Concat(Features.NamedParameters().Select(p => ("features." + p.Name, p.Parameter)));

    public override string ToString() => $"Deep({Base})";
}

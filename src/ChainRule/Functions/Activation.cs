namespace ChainRule.Functions;

// Activations (MISSION 4.2: sigma' = sigma(1 - sigma), tanh' = 1 - tanh^2, ReLU' = 1 if x > 0 else 0).
// Elementwise, so the Jacobian is diagonal: dy = f'(x) dx mirrors gx = f'(x) gy.

/// <summary>y = tanh x. gx = gy * (1 - y^2); dy = dx * (1 - y^2).</summary>
internal sealed class Tanh : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Tanh(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [new TanhGrad().Apply(gy, Output)];
    protected internal override Variable? Jvp(int i, Variable dx) => new TanhGrad().Apply(dx, Output);
}

/// <summary>y = 1 / (1 + e^-x). gx = gy * y * (1 - y); dy = dx * y * (1 - y).</summary>
internal sealed class Sigmoid : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Sigmoid(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [new SigmoidGrad().Apply(gy, Output)];
    protected internal override Variable? Jvp(int i, Variable dx) => new SigmoidGrad().Apply(dx, Output);
}

/// <summary>y = max(x, 0). gx = gy where x &gt; 0, else 0; dy likewise from dx.</summary>
internal sealed class Relu : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Relu(x[0]);
    // NOTE: the mask comes from x, not y: ReLU'(0) is 0 by the notes' convention (4.2).
    protected internal override Variable?[] Backward(Variable gy) => [new ReluGrad(Inputs[0].Data).Apply(gy)];
    protected internal override Variable? Jvp(int i, Variable dx) => new ReluGrad(Inputs[0].Data).Apply(dx);
}

/// <summary>y = x if x &gt; 0 else slope * x. gx = gy * (1 or slope); dy = dx * (1 or slope).</summary>
internal sealed class LeakyRelu(double slope) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.LeakyRelu(x[0], slope);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Derivative()];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Derivative();

    private Tensor Derivative()
    {
        Tensor x = Inputs[0].Data;
        return Tensor.Where(Tensor.Greater(x, 0), Tensor.Scalar(1, x.DType), Tensor.Scalar(slope, x.DType));
    }
}

/// <summary>y = x Phi(x), the exact GELU. gx = gy * (Phi(x) + x phi(x)), phi the standard normal density; dy likewise from dx.</summary>
internal sealed class Gelu : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Gelu(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Derivative()];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Derivative();

    private Variable Derivative()
    {
        Variable x = Inputs[0];
        Variable cdf = 0.5 * (1 + F.Erf(x * Kernels.SpecialFunctions.InvSqrt2));
        Variable density = F.Exp(-0.5 * x * x) * (Kernels.SpecialFunctions.InvSqrt2 * Kernels.SpecialFunctions.InvSqrtPi);
        return cdf + (x * density);
    }
}

/// <summary>y = ln(1 + e^x). gx = gy * sigmoid(x); dy = dx * sigmoid(x).</summary>
internal sealed class Softplus : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Softplus(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * F.Sigmoid(Inputs[0])];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * F.Sigmoid(Inputs[0]);
}

/// <summary>y = min(max(x, min), max). gx = gy where min &lt;= x &lt;= max, else 0; dy likewise from dx.</summary>
internal sealed class Clamp(double min, double max) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Clamp(x[0], min, max);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Inside()];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Inside();

    private Tensor Inside()
    {
        Tensor x = Inputs[0].Data;
        return (Tensor.GreaterEqual(x, Tensor.Scalar(min, x.DType)) & Tensor.LessEqual(x, Tensor.Scalar(max, x.DType))).To(x.DType);
    }
}

/// <summary>y = condition ? x0 : x1 (condition a constant tensor). gx0 = gy where condition, gx1 = gy elsewhere; dy likewise.</summary>
internal sealed class Where(Tensor condition) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Where(condition, x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) => [Pick(gy, 0), Pick(gy, 1)];
    protected internal override Variable? Jvp(int i, Variable dx) => Pick(dx, i);

    // v where input i is chosen, else 0
    private Variable Pick(Variable v, int i)
    {
        Tensor zero = Tensor.Scalar(0, v.DType);
        return i == 0 ? F.Where(condition, v, zero) : F.Where(condition, zero, v);
    }
}

// ---- the activations' gradients as single nodes ---------------------------------------------
// One kernel pass instead of three elementwise ops (and their temporaries) per backward; still
// Functions, so a backward pass built with createGraph can be differentiated again.

/// <summary>y = g * (1 - t^2) for inputs (g, t). gg = gy * (1 - t^2), gt = -2 gy g t.</summary>
internal sealed class TanhGrad : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.TanhBackward(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) =>
        [new TanhGrad().Apply(gy, Inputs[1]), NeedsGrad(1) ? -2 * gy * Inputs[0] * Inputs[1] : null];
    protected internal override Variable? Jvp(int i, Variable dx) =>
        i == 0 ? new TanhGrad().Apply(dx, Inputs[1]) : -2 * dx * Inputs[0] * Inputs[1];
}

/// <summary>y = g * s * (1 - s) for inputs (g, s). gg = gy * s * (1 - s), gs = gy g (1 - 2s).</summary>
internal sealed class SigmoidGrad : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.SigmoidBackward(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) =>
        [new SigmoidGrad().Apply(gy, Inputs[1]), NeedsGrad(1) ? gy * Inputs[0] * (1 - (2 * Inputs[1])) : null];
    protected internal override Variable? Jvp(int i, Variable dx) =>
        i == 0 ? new SigmoidGrad().Apply(dx, Inputs[1]) : dx * Inputs[0] * (1 - (2 * Inputs[1]));
}

/// <summary>y = g where x &gt; 0, else 0, for the input g and a constant x. gg = gy where x &gt; 0, else 0.</summary>
internal sealed class ReluGrad(Tensor x) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> g) => Tensor.ReluBackward(g[0], x);
    protected internal override Variable?[] Backward(Variable gy) => [new ReluGrad(x).Apply(gy)];
    protected internal override Variable? Jvp(int i, Variable dx) => new ReluGrad(x).Apply(dx);
}

namespace ChainRule.Functions;

// Activations (MISSION 4.2: sigma' = sigma(1 - sigma), tanh' = 1 - tanh^2, ReLU' = 1 if x > 0 else 0).
// Elementwise, so the Jacobian is diagonal: dy = f'(x) dx mirrors gx = f'(x) gy.

/// <summary>y = tanh x. gx = gy * (1 - y^2); dy = dx * (1 - y^2).</summary>
internal sealed class Tanh : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Tanh(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * (1 - (Output * Output))];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * (1 - (Output * Output));
}

/// <summary>y = 1 / (1 + e^-x). gx = gy * y * (1 - y); dy = dx * y * (1 - y).</summary>
internal sealed class Sigmoid : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Sigmoid(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Output * (1 - Output)];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Output * (1 - Output);
}

/// <summary>y = max(x, 0). gx = gy where x &gt; 0, else 0; dy likewise from dx.</summary>
internal sealed class Relu : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Relu(x[0]);
    // NOTE: the mask comes from x, not y: ReLU'(0) is 0 by the notes' convention (4.2).
    protected internal override Variable?[] Backward(Variable gy) => [gy * Tensor.Greater(Inputs[0].Data, 0)];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Tensor.Greater(Inputs[0].Data, 0);
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
        return Tensor.GreaterEqual(x, Tensor.Scalar(min, x.DType)) * Tensor.LessEqual(x, Tensor.Scalar(max, x.DType));
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

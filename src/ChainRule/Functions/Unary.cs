namespace ChainRule.Functions;

// Unary math: y = f(x) elementwise, so the Jacobian is diagonal and dy = f'(x) dx mirrors gx = f'(x) gy.
// Where the derivative is cheaper from the output (exp, sqrt), both use Output.

/// <summary>y = e^x. gx = gy * y; dy = dx * y.</summary>
internal sealed class Exp : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Exp(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Output];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Output;
}

/// <summary>y = ln x. gx = gy / x; dy = dx / x.</summary>
internal sealed class Log : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Log(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy / Inputs[0]];
    protected internal override Variable? Jvp(int i, Variable dx) => dx / Inputs[0];
}

/// <summary>y = sqrt x. gx = gy / (2 y); dy = dx / (2 y).</summary>
internal sealed class Sqrt : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Sqrt(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy / (2 * Output)];
    protected internal override Variable? Jvp(int i, Variable dx) => dx / (2 * Output);
}

/// <summary>y = |x|. gx = gy * sign x (0 at x = 0, as in PyTorch); dy = dx * sign x.</summary>
internal sealed class Abs : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Abs(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Tensor.Sign(Inputs[0].Data)];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Tensor.Sign(Inputs[0].Data);
}

/// <summary>y = sin x. gx = gy * cos x; dy = dx * cos x.</summary>
internal sealed class Sin : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Sin(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * F.Cos(Inputs[0])];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * F.Cos(Inputs[0]);
}

/// <summary>y = arcsin x. gx = gy / sqrt(1 - x^2); dy = dx / sqrt(1 - x^2).</summary>
internal sealed class Asin : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Asin(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy / F.Sqrt(1.0 - F.Square(Inputs[0]))];
    protected internal override Variable? Jvp(int i, Variable dx) => dx / F.Sqrt(1.0 - F.Square(Inputs[0]));
}

/// <summary>y = cos x. gx = -gy * sin x; dy = -dx * sin x.</summary>
internal sealed class Cos : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Cos(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [-gy * F.Sin(Inputs[0])];
    protected internal override Variable? Jvp(int i, Variable dx) => -dx * F.Sin(Inputs[0]);
}

/// <summary>y = erf x. gx = gy * 2/sqrt(pi) * e^(-x^2); dy = dx * 2/sqrt(pi) * e^(-x^2).</summary>
internal sealed class Erf : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Erf(x[0]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Derivative()];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Derivative();
    private Variable Derivative() => (2 * Kernels.SpecialFunctions.InvSqrtPi) * F.Exp(-(Inputs[0] * Inputs[0]));
}

/// <summary>y = x converted to another element type. gx = gy converted back, dy = dx converted (the engine does both).</summary>
internal sealed class Cast(DType dtype) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0].To(dtype);
    protected internal override Variable?[] Backward(Variable gy) => [gy];
    protected internal override Variable? Jvp(int i, Variable dx) => dx;
}

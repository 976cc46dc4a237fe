namespace ChainRule.Functions;

// Arithmetic: elementwise, broadcasting. The engine sums each gx back to its input's shape and broadcasts each
// tangent share up to the output's shape.

/// <summary>y = x0 + x1. gx0 = gy, gx1 = gy; dy = dx0 + dx1.</summary>
internal sealed class Add : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] + x[1];
    protected internal override Variable?[] Backward(Variable gy) => [gy, gy];
    protected internal override Variable? Jvp(int i, Variable dx) => dx;
}

/// <summary>y = x0 - x1. gx0 = gy, gx1 = -gy; dy = dx0 - dx1.</summary>
internal sealed class Subtract : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] - x[1];
    protected internal override Variable?[] Backward(Variable gy) => [gy, NeedsGrad(1) ? -gy : null];
    protected internal override Variable? Jvp(int i, Variable dx) => i == 0 ? dx : -dx;
}

/// <summary>y = x0 * x1. gx0 = gy * x1, gx1 = gy * x0; dy = dx0 * x1 + x0 * dx1.</summary>
internal sealed class Multiply : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] * x[1];
    protected internal override Variable?[] Backward(Variable gy) =>
        [NeedsGrad(0) ? gy * Inputs[1] : null, NeedsGrad(1) ? gy * Inputs[0] : null];
    protected internal override Variable? Jvp(int i, Variable dx) => i == 0 ? dx * Inputs[1] : Inputs[0] * dx;
}

/// <summary>y = x0 / x1. gx0 = gy / x1, gx1 = -gy * x0 / x1^2; dy = dx0 / x1 - dx1 * x0 / x1^2.</summary>
internal sealed class Divide : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] / x[1];
    protected internal override Variable?[] Backward(Variable gy) =>
        [NeedsGrad(0) ? gy / Inputs[1] : null, NeedsGrad(1) ? -gy * Inputs[0] / (Inputs[1] * Inputs[1]) : null];
    protected internal override Variable? Jvp(int i, Variable dx) =>
        i == 0 ? dx / Inputs[1] : -dx * Inputs[0] / (Inputs[1] * Inputs[1]);
}

/// <summary>y = -x. gx = -gy; dy = -dx.</summary>
internal sealed class Negate : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => -x[0];
    protected internal override Variable?[] Backward(Variable gy) => [-gy];
    protected internal override Variable? Jvp(int i, Variable dx) => -dx;
}

/// <summary>y = x^c for a constant c. gx = gy * c * x^(c-1); dy = dx * c * x^(c-1).</summary>
internal sealed class PowConstant(double exponent) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Pow(x[0], exponent);
    protected internal override Variable?[] Backward(Variable gy) =>
        [exponent == 0 ? null : gy * exponent * F.Pow(Inputs[0], exponent - 1)];
    protected internal override Variable? Jvp(int i, Variable dx) =>
        exponent == 0 ? null : dx * exponent * F.Pow(Inputs[0], exponent - 1);
}

/// <summary>y = x0^x1. gx0 = gy * x1 * x0^(x1-1), gx1 = gy * y * ln x0; dy = dx0 * x1 * x0^(x1-1) + dx1 * y * ln x0.</summary>
internal sealed class Pow : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Pow(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) =>
    [
        NeedsGrad(0) ? gy * Inputs[1] * F.Pow(Inputs[0], Inputs[1] - 1) : null,
        NeedsGrad(1) ? gy * Output * F.Log(Inputs[0]) : null, // NOTE: NaN for x0 <= 0, as in PyTorch; only computed when asked for
    ];
    protected internal override Variable? Jvp(int i, Variable dx) =>
        i == 0 ? dx * Inputs[1] * F.Pow(Inputs[0], Inputs[1] - 1) : dx * Output * F.Log(Inputs[0]);
}

/// <summary>y = max(x0, x1). The gradient goes to the larger input; ties split it evenly. dy = the larger input's dx (ties: the mean).</summary>
internal sealed class Maximum : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Maximum(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Share(0), gy * Share(1)];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Share(i);
    private Tensor Share(int i) => Extremum.Share(Inputs[i].Data, Inputs[1 - i].Data);
}

/// <summary>y = min(x0, x1). The gradient goes to the smaller input; ties split it evenly. dy = the smaller input's dx (ties: the mean).</summary>
internal sealed class Minimum : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Minimum(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) => [gy * Share(0), gy * Share(1)];
    protected internal override Variable? Jvp(int i, Variable dx) => dx * Share(i);
    private Tensor Share(int i) => Extremum.Share(Inputs[1 - i].Data, Inputs[i].Data);
}

internal static class Extremum
{
    // d max(x, other)/dx = [x > other] + [x == other] / 2: x's share of the derivative, ties split evenly
    public static Tensor Share(Tensor x, Tensor other) => Tensor.Greater(x, other).To(x.DType) + (Tensor.Equal(x, other).To(x.DType) * 0.5);
}

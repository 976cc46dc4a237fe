namespace ChainRule.Functions;

// Arithmetic: elementwise, broadcasting. The engine sums each gx back to its input's shape.

/// <summary>y = x0 + x1. gx0 = gy, gx1 = gy.</summary>
internal sealed class Add : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] + x[1];
    protected internal override Variable?[] Backward(Variable gy) => [gy, gy];
}

/// <summary>y = x0 - x1. gx0 = gy, gx1 = -gy.</summary>
internal sealed class Subtract : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] - x[1];
    protected internal override Variable?[] Backward(Variable gy) => [gy, NeedsGrad(1) ? -gy : null];
}

/// <summary>y = x0 * x1. gx0 = gy * x1, gx1 = gy * x0.</summary>
internal sealed class Multiply : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] * x[1];
    protected internal override Variable?[] Backward(Variable gy) =>
        [NeedsGrad(0) ? gy * Inputs[1] : null, NeedsGrad(1) ? gy * Inputs[0] : null];
}

/// <summary>y = x0 / x1. gx0 = gy / x1, gx1 = -gy * x0 / x1^2.</summary>
internal sealed class Divide : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0] / x[1];
    protected internal override Variable?[] Backward(Variable gy) =>
        [NeedsGrad(0) ? gy / Inputs[1] : null, NeedsGrad(1) ? -gy * Inputs[0] / (Inputs[1] * Inputs[1]) : null];
}

/// <summary>y = -x. gx = -gy.</summary>
internal sealed class Negate : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => -x[0];
    protected internal override Variable?[] Backward(Variable gy) => [-gy];
}

/// <summary>y = x^c for a constant c. gx = gy * c * x^(c-1).</summary>
internal sealed class PowConstant(double exponent) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Pow(x[0], exponent);
    protected internal override Variable?[] Backward(Variable gy) =>
        [exponent == 0 ? null : gy * exponent * F.Pow(Inputs[0], exponent - 1)];
}

/// <summary>y = x0^x1. gx0 = gy * x1 * x0^(x1-1), gx1 = gy * y * ln x0.</summary>
internal sealed class Pow : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Pow(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) =>
    [
        NeedsGrad(0) ? gy * Inputs[1] * F.Pow(Inputs[0], Inputs[1] - 1) : null,
        NeedsGrad(1) ? gy * Output * F.Log(Inputs[0]) : null, // NOTE: NaN for x0 <= 0, as in PyTorch; only computed when asked for
    ];
}

/// <summary>y = max(x0, x1). The gradient goes to the larger input; ties split it evenly.</summary>
internal sealed class Maximum : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Maximum(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) => Extremum.Split(gy, Inputs[0].Data, Inputs[1].Data);
}

/// <summary>y = min(x0, x1). The gradient goes to the smaller input; ties split it evenly.</summary>
internal sealed class Minimum : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Minimum(x[0], x[1]);
    protected internal override Variable?[] Backward(Variable gy) => Extremum.Split(gy, Inputs[1].Data, Inputs[0].Data);
}

internal static class Extremum
{
    // gx0 = gy * ([x0 > x1] + [x0 == x1] / 2), gx1 = gy * ([x1 > x0] + [x0 == x1] / 2)
    public static Variable?[] Split(Variable gy, Tensor winner, Tensor other)
    {
        Tensor tie = Tensor.Equal(winner, other) * 0.5;
        return [gy * (Tensor.Greater(winner, other) + tie), gy * (Tensor.Less(winner, other) + tie)];
    }
}

using ChainRule.Kernels;

namespace ChainRule.Functions;

// Convolution and its two adjoints. All three are bilinear (linear in each input), so the gradient of each
// is made of the other two, and so is its forward-mode derivative: with <a, b> the sum of products,
//   <G, conv(x, w)>            = <inputGrad(G, w), x> = <weightGrad(x, G), w>
//   <G, inputGrad(gy, w)>      = <conv(G, w), gy>     = <weightGrad(G, gy), w>
//   <G, weightGrad(x, gy)>     = <inputGrad(gy, G), x> = <conv(x, G), gy>
// which is what Backward returns; derivatives of any order follow.

/// <summary>y = conv2d(x, w) + b (b optional, one per output channel). gx = inputGrad(gy, w), gw = weightGrad(x, gy), gb = sum of gy over N, H, W.</summary>
internal sealed class Conv2d(ConvGeometry geometry) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Conv2dForward(x[0], x[1], x.Length == 3 ? x[2] : null, geometry);

    protected internal override Variable?[] Backward(Variable gy) =>
    [
        NeedsGrad(0) ? new Conv2dInputGrad(geometry).Apply(gy, Inputs[1]) : null,
        NeedsGrad(1) ? new Conv2dWeightGrad(geometry).Apply(Inputs[0], gy) : null,
        Inputs.Length == 3 && NeedsGrad(2) ? F.Sum(gy, [0, 2, 3]) : null,
    ];

    protected internal override Variable? Jvp(int i, Variable dx) => i switch
    {
        0 => new Conv2d(geometry).Apply(dx, Inputs[1]),
        1 => new Conv2d(geometry).Apply(Inputs[0], dx),
        _ => F.Reshape(dx, 1, geometry.OutC, 1, 1), // the engine broadcasts it over N, H, W
    };
}

/// <summary>dx = inputGrad(gy, w), the adjoint of conv2d in its input (conv_transpose2d). ggy = conv2d(g, w), gw = weightGrad(g, gy).</summary>
internal sealed class Conv2dInputGrad(ConvGeometry geometry) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Conv2dInputGrad(x[0], x[1], geometry);

    protected internal override Variable?[] Backward(Variable g) =>
    [
        NeedsGrad(0) ? new Conv2d(geometry).Apply(g, Inputs[1]) : null,
        NeedsGrad(1) ? new Conv2dWeightGrad(geometry).Apply(g, Inputs[0]) : null,
    ];

    protected internal override Variable? Jvp(int i, Variable d) => i == 0
        ? new Conv2dInputGrad(geometry).Apply(d, Inputs[1])
        : new Conv2dInputGrad(geometry).Apply(Inputs[0], d);
}

/// <summary>dw = weightGrad(x, gy), the adjoint of conv2d in its weight. gx = inputGrad(gy, g), ggy = conv2d(x, g).</summary>
internal sealed class Conv2dWeightGrad(ConvGeometry geometry) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.Conv2dWeightGrad(x[0], x[1], geometry);

    protected internal override Variable?[] Backward(Variable g) =>
    [
        NeedsGrad(0) ? new Conv2dInputGrad(geometry).Apply(Inputs[1], g) : null,
        NeedsGrad(1) ? new Conv2d(geometry).Apply(Inputs[0], g) : null,
    ];

    protected internal override Variable? Jvp(int i, Variable d) => i == 0
        ? new Conv2dWeightGrad(geometry).Apply(d, Inputs[1])
        : new Conv2dWeightGrad(geometry).Apply(Inputs[0], d);
}

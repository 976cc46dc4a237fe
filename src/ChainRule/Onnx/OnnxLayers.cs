using ChainRule.IO.OnnxProto;
using ChainRule.NN;
using static ChainRule.IO.OnnxGraphBuilder;

namespace ChainRule.IO;

/// <summary>
/// Each exportable layer written as ONNX opset 17 nodes, in inference form: Dropout is the identity, BatchNorm uses
/// its running statistics. One method per layer kind, taking the layer, the name of its input value, the input's
/// shape and the graph, and returning the name of its output value.
/// </summary>
internal static class OnnxLayers
{
    /// <summary>The layer kinds <see cref="Emit"/> knows (Sequential is walked, not emitted).</summary>
    public static readonly Type[] Exportable =
    [
        typeof(Linear), typeof(Conv2d), typeof(Conv1d), typeof(ConvTranspose2d), typeof(MaxPool2d), typeof(AvgPool2d),
        typeof(AdaptiveAvgPool2d), typeof(GlobalAveragePool), typeof(BatchNorm), typeof(LayerNorm), typeof(Relu),
        typeof(LeakyRelu), typeof(Gelu), typeof(Tanh), typeof(Sigmoid), typeof(Dropout), typeof(Dropout2d),
        typeof(Flatten), typeof(Unflatten), typeof(Mlp.SoftmaxLayer),
    ];

    /// <param name="scope">The layer's dotted path in the model ("3", "1.0"), which names its nodes and weights.</param>
    /// <param name="input">Shape of one sample input, batch axis first (the batch is symbolic in the graph).</param>
    public static string Emit(Module layer, string scope, string x, Shape input, OnnxGraphBuilder g) => layer switch
    {
        Linear linear => EmitLinear(linear, scope, x, input, g),
        Conv2d conv => g.Node("Conv", scope, WeightAndBias(g, scope, conv.Weight, conv.Bias, x),
            ConvAttributes(2, conv.Kernel, conv.Stride, conv.Padding, conv.Dilation, conv.Groups)),
        Conv1d conv => g.Node("Conv", scope, WeightAndBias(g, scope, conv.Weight, conv.Bias, x),
            ConvAttributes(1, conv.Weight.Shape[2], conv.Stride, conv.Padding, conv.Dilation, conv.Groups)),
        ConvTranspose2d conv => g.Node("ConvTranspose", scope, WeightAndBias(g, scope, conv.Weight, conv.Bias, x),
            [.. ConvAttributes(2, conv.Weight.Shape[2], conv.Stride, conv.Padding, 1, conv.Groups), Ints("output_padding", conv.OutputPadding, conv.OutputPadding)]),
        MaxPool2d pool => g.Node("MaxPool", scope, [x], PoolAttributes(pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding)),
        AvgPool2d pool => g.Node("AveragePool", scope, [x],
            [.. PoolAttributes(pool.Kernel, pool.Kernel, pool.Stride, pool.Stride, pool.Padding), Int("count_include_pad", pool.CountIncludePad ? 1 : 0)]),
        AdaptiveAvgPool2d pool => EmitAdaptiveAvgPool(pool, scope, x, input, g),
        GlobalAveragePool => g.Node("Flatten", scope, [g.Node("GlobalAveragePool", scope, [x])], Int("axis", 1)), // (N, C, 1, 1) -> (N, C)
        BatchNorm bn => g.Node("BatchNormalization", scope,
            [x, .. Affine(g, scope, bn.Weight, bn.Bias, new Shape(bn.Channels)), g.Initializer($"{scope}.running_mean", bn.RunningMean), g.Initializer($"{scope}.running_var", bn.RunningVar)],
            Float("epsilon", bn.Eps)),
        LayerNorm ln => g.Node("LayerNormalization", scope, [x, .. Affine(g, scope, ln.Weight, ln.Bias, ln.NormalizedShape)],
            Int("axis", -ln.NormalizedShape.Rank), Float("epsilon", ln.Eps)),
        Relu => g.Node("Relu", scope, [x]),
        LeakyRelu leaky => g.Node("LeakyRelu", scope, [x], Float("alpha", leaky.Slope)),
        Gelu => EmitGelu(scope, x, g),
        Tanh => g.Node("Tanh", scope, [x]),
        Sigmoid => g.Node("Sigmoid", scope, [x]),
        Dropout or Dropout2d => x,
        Flatten => input.Rank <= 2 ? x : g.Node("Flatten", scope, [x], Int("axis", 1)),
        Unflatten unflatten => EmitUnflatten(unflatten, scope, x, input, g),
        Mlp.SoftmaxLayer => g.Node("Softmax", scope, [x], Int("axis", -1)),
        _ => throw Unsupported(layer, scope),
    };

    public static NotSupportedException Unsupported(Module layer, string scope) =>
        new($"ONNX export: layer {scope} {layer} ({layer.GetType().Name}) has no ONNX form; the exportable layers are "
            + string.Join(", ", Exportable.Select(t => t == typeof(Mlp.SoftmaxLayer) ? "Softmax" : t.Name)) + ".");

    // x (..., in) W^T + b. Gemm takes only matrices; a batch of sequences goes through MatMul with W^T stored transposed.
    private static string EmitLinear(Linear linear, string scope, string x, Shape input, OnnxGraphBuilder g)
    {
        Tensor weight = linear.Mask is null ? linear.Weight.Data : linear.Weight.Data * linear.Mask; // the weights the layer computes with
        if (input.Rank == 2)
        {
            List<string> inputs = [x, g.Initializer($"{scope}.weight", weight)];
            if (linear.Bias is not null)
            {
                inputs.Add(g.Initializer($"{scope}.bias", linear.Bias.Data));
            }
            return g.Node("Gemm", scope, inputs, Int("transB", 1));
        }
        string product = g.Node("MatMul", scope, [x, g.Initializer($"{scope}.weight_transposed", weight.Transpose())]);
        return linear.Bias is null ? product : g.Node("Add", scope, [product, g.Initializer($"{scope}.bias", linear.Bias.Data)]);
    }

    // adaptive_avg_pool2d is a plain average pool when each output cell averages an equal, non-overlapping window.
    private static string EmitAdaptiveAvgPool(AdaptiveAvgPool2d pool, string scope, string x, Shape input, OnnxGraphBuilder g)
    {
        (int outH, int outW) = pool.OutputSize;
        if (outH == 1 && outW == 1)
        {
            return g.Node("GlobalAveragePool", scope, [x]);
        }
        if (input[2] % outH != 0 || input[3] % outW != 0)
        {
            throw new NotSupportedException($"ONNX export: layer {scope} {pool} gets {input[2]} x {input[3]} maps, which do not divide into {outH} x {outW} equal windows; ONNX has no adaptive pooling.");
        }
        (int kh, int kw) = (input[2] / outH, input[3] / outW);
        return g.Node("AveragePool", scope, [x], Ints("kernel_shape", kh, kw), Ints("strides", kh, kw));
    }

    // GELU(x) = x * 0.5 * (1 + erf(x / sqrt 2)), the exact form (ONNX's Gelu op arrives only in opset 20).
    private static string EmitGelu(string scope, string x, OnnxGraphBuilder g)
    {
        string erf = g.Node("Erf", scope, [g.Node("Div", scope, [x, g.Scalar($"{scope}.sqrt2", MathF.Sqrt(2))])]);
        string cdfTimesTwo = g.Node("Add", scope, [erf, g.Scalar($"{scope}.one", 1)]);
        return g.Node("Mul", scope, [g.Node("Mul", scope, [x, cdfTimesTwo]), g.Scalar($"{scope}.half", 0.5f)]);
    }

    // (N, ...) -> (N, shape...): Reshape's 0 copies the batch axis, so the batch stays symbolic.
    private static string EmitUnflatten(Unflatten unflatten, string scope, string x, Shape input, OnnxGraphBuilder g)
    {
        if (input.Dims[1..].SequenceEqual(unflatten.Shape.ToArray()))
        {
            return x;
        }
        long[] target = [0, .. unflatten.Shape.Select(d => (long)d)];
        return g.Node("Reshape", scope, [x, g.Int64Initializer($"{scope}.shape", target)]);
    }

    private static string[] WeightAndBias(OnnxGraphBuilder g, string scope, Parameter weight, Parameter? bias, string x) =>
        bias is null
            ? [x, g.Initializer($"{scope}.weight", weight.Data)]
            : [x, g.Initializer($"{scope}.weight", weight.Data), g.Initializer($"{scope}.bias", bias.Data)];

    // Normalization's scale and shift inputs; a layer without learned ones (affine = false) scales by 1 and shifts by 0.
    private static string[] Affine(OnnxGraphBuilder g, string scope, Parameter? weight, Parameter? bias, Shape shape) =>
    [
        g.Initializer($"{scope}.weight", weight?.Data ?? Tensor.Ones(shape)),
        g.Initializer($"{scope}.bias", bias?.Data ?? Tensor.Zeros(shape)),
    ];

    private static AttributeProto[] ConvAttributes(int spatialAxes, int kernel, int stride, int padding, int dilation, int groups) =>
    [
        Ints("kernel_shape", Repeat(kernel, spatialAxes)),
        Ints("strides", Repeat(stride, spatialAxes)),
        Ints("pads", Repeat(padding, 2 * spatialAxes)), // begin of each axis, then end of each axis
        Ints("dilations", Repeat(dilation, spatialAxes)),
        Int("group", groups),
    ];

    private static AttributeProto[] PoolAttributes(int kernelH, int kernelW, int strideH, int strideW, int padding) =>
        [Ints("kernel_shape", kernelH, kernelW), Ints("strides", strideH, strideW), Ints("pads", padding, padding, padding, padding)];

    private static long[] Repeat(int value, int count) => Enumerable.Repeat((long)value, count).ToArray();
}

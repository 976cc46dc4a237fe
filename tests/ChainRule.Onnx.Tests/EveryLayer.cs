using ChainRule.NN;

namespace ChainRule.OnnxExportTests;

/// <summary>
/// Models that between them hold every exportable layer, each in the configurations that change its ONNX form
/// (padding, stride, dilation, groups, no bias, a mask, count_include_pad, 2-d and 3-d BatchNorm, Linear on a batch of
/// sequences), with random weights and BatchNorm and LayerNorm parameters and statistics far from their initial values.
/// All take flat 784-value digits.
/// </summary>
internal static class EveryLayer
{
    /// <summary>Image layers: (N, 784) -> (N, 1, 28, 28) -> ... -> (N, 10).</summary>
    public static Sequential Maps(Generator g) => Perturbed(new Sequential(
        new Unflatten([1, 28, 28]),
        new Conv2d(1, 8, 3, g, padding: 1),
        BatchNorm.BatchNorm2d(8, eps: 1e-3),
        new LeakyRelu(0.1),
        new MaxPool2d(2),                                                   // 14 x 14
        new Sequential(
            new Conv2d(8, 8, 3, g, stride: 1, padding: 2, dilation: 2, groups: 2),
            new Gelu(),
            new Dropout2d(0.2, g)),
        new AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false),    // 7 x 7
        new ConvTranspose2d(8, 4, 3, g, stride: 2, padding: 1, outputPadding: 1), // 14 x 14
        new Tanh(),
        new MaxPool2d(3, stride: 1, padding: 1),
        new AvgPool2d(2),                                                   // 7 x 7, padding counted (none here)
        new AdaptiveAvgPool2d(7, 7),
        new Conv2d(4, 16, 3, g, padding: 1, bias: false),
        new Sigmoid(),
        new GlobalAveragePool(),                                            // (N, 16)
        new Linear(16, 32, g, InitScheme.He),
        BatchNorm.BatchNorm1d(32),                                          // on (N, C)
        new Relu(),
        new Dropout(0.3, g),
        new Flatten(),                                                      // already flat: the identity
        new Linear(32, 10, g)), g);

    /// <summary>1-d layers: (N, 784) -> (N, 16, 49) -> ... -> (N, 10).</summary>
    public static Sequential Sequences(Generator g)
    {
        Tensor mask = Tensor.GreaterEqual(Tensor.RandomUniform([10, 160], 0, 1, g), Tensor.Scalar(0.3)).To(DType.Float32);
        return Perturbed(new Sequential(
            new Unflatten([16, 49]),
            new Conv1d(16, 8, 3, g, padding: 1),
            BatchNorm.BatchNorm1d(8),                                       // on (N, C, L)
            new LayerNorm([49]),
            new Linear(49, 20, g),                                          // on (N, 8, 49): MatMul + Add
            new Gelu(),
            new Flatten(),
            new LayerNorm([160], elementwiseAffine: false),
            new Linear(160, 10, g, bias: false, mask: mask)), g);
    }

    /// <summary>An MLP whose last layer is Mlp's softmax.</summary>
    public static Sequential SoftmaxMlp(Generator g) =>
        Mlp.Create(new MlpConfig { Hidden = [32], Activation = "tanh", OutputActivation = "softmax" }, g);

    /// <summary>The kinds of the model's layers, Sequentials walked into.</summary>
    public static IEnumerable<Type> LayerTypes(Module module) => module is Sequential sequential
        ? sequential.Layers.SelectMany(LayerTypes)
        : [module.GetType()];

    // Biases and normalization parameters drawn at random, running statistics set to what a trained network might
    // hold (means around ±0.5, variances 0.2 to 2.2), so that every term of BatchNormalization matters.
    private static Sequential Perturbed(Sequential model, Generator g)
    {
        foreach ((string name, Parameter p) in model.NamedParameters().Where(np => !np.Name.EndsWith("weight", StringComparison.Ordinal) || IsNormalization(model, np.Name)))
        {
            p.Data = Tensor.RandomUniform(p.Shape, name.EndsWith("weight", StringComparison.Ordinal) ? 0.5 : -0.5, name.EndsWith("weight", StringComparison.Ordinal) ? 1.5 : 0.5, g);
        }
        foreach ((string name, Tensor buffer) in model.NamedBuffers().Where(nb => !nb.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
        {
            (double low, double high) = name.EndsWith("running_mean", StringComparison.Ordinal) ? (-0.5, 0.5) : (0.2, 2.2);
            Tensor value = Tensor.RandomUniform(buffer.Shape, low, high, g);
            for (int i = 0; i < buffer.Size; i++)
            {
                buffer[i] = value[i]; // in place: the layer holds this tensor
            }
        }
        return model;
    }

    private static bool IsNormalization(Module model, string parameterName)
    {
        Module layer = model;
        foreach (string part in parameterName.Split('.')[..^1])
        {
            layer = layer.Children().Single(c => c.Name == part).Module;
        }
        return layer is BatchNorm or LayerNorm;
    }
}

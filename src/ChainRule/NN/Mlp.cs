using System.Text.Json.Serialization;

namespace ChainRule.NN;

/// <summary>
/// Everything needed to rebuild a multilayer perceptron: sizes, activations and the initialisation seed.
/// Serialised as a checkpoint's config.json, next to the weights.
/// </summary>
public sealed record MlpConfig
{
    public int Inputs { get; init; } = 784;

    public int[] Hidden { get; init; } = [];

    public int Outputs { get; init; } = 10;

    /// <summary>Hidden activation: sigmoid, tanh, relu, leaky-relu or gelu.</summary>
    public string Activation { get; init; } = "relu";

    /// <summary>Applied to the last layer: none (logits), sigmoid (the notes' network) or softmax.</summary>
    public string OutputActivation { get; init; } = "none";

    /// <summary>Dropout probability after each hidden activation (0: no Dropout layers).</summary>
    public double Dropout { get; init; }

    [JsonIgnore]
    public IEnumerable<int> LayerSizes => [Inputs, .. Hidden, Outputs];
}

/// <summary>Builds the Sequential a <see cref="MlpConfig"/> describes.</summary>
public static class Mlp
{
    public static readonly string[] Activations = ["sigmoid", "tanh", "relu", "leaky-relu", "gelu"];

    public static readonly string[] OutputActivations = ["none", "sigmoid", "softmax"];

    /// <summary>
    /// Linear layers of the configured sizes with the activation (and Dropout, if configured) between them
    /// (He initialisation for the ReLU family, Glorot for sigmoid and tanh), and the output activation, if any,
    /// at the end. The generator draws the initial weights, then drives the dropout masks.
    /// Layers are named as in PyTorch's nn.Sequential ("0.weight", "2.bias", ...).
    /// </summary>
    public static Sequential Create(MlpConfig config, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(config);
        int[] sizes = config.LayerSizes.ToArray();
        if (sizes.Any(s => s < 1))
        {
            throw new ArgumentException($"mlp: every layer size must be at least 1, got {string.Join("-", sizes)}.");
        }
        InitScheme init = config.Activation is "sigmoid" or "tanh" ? InitScheme.Glorot : InitScheme.He;
        var layers = new List<Module>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            bool last = i + 2 == sizes.Length;
            layers.Add(new Linear(sizes[i], sizes[i + 1], generator, last ? InitScheme.Glorot : init));
            Module? activation = last ? OutputActivation(config.OutputActivation) : Activation(config.Activation);
            if (activation is not null)
            {
                layers.Add(activation);
            }
            if (!last && config.Dropout > 0)
            {
                layers.Add(new Dropout(config.Dropout, generator));
            }
        }
        return new Sequential([.. layers]);
    }

    /// <summary>The activation module for a name, or an error listing the valid names.</summary>
    public static Module Activation(string name) => name switch
    {
        "sigmoid" => new Sigmoid(),
        "tanh" => new Tanh(),
        "relu" => new Relu(),
        "leaky-relu" => new LeakyRelu(),
        "gelu" => new Gelu(),
        _ => throw new ArgumentException($"unknown activation '{name}'; use one of {string.Join(", ", Activations)}."),
    };

    private static Module? OutputActivation(string name) => name switch
    {
        "none" => null,
        "sigmoid" => new Sigmoid(),
        "softmax" => new SoftmaxLayer(),
        _ => throw new ArgumentException($"unknown output activation '{name}'; use one of {string.Join(", ", OutputActivations)}."),
    };

    // Internal so the ONNX exporter can recognise it (as Softmax over the last axis).
    internal sealed class SoftmaxLayer : Module
    {
        public override Variable Forward(Variable x) => F.Softmax(x, -1);
        public override string ToString() => "Softmax";
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using ChainRule.NN;

namespace ChainRule.Cli;

/// <summary>
/// config.json: everything needed to rebuild a trained model and to read data the way it was trained
/// (which data, how features were scaled, which classes), plus the settings and results of the run.
/// </summary>
public sealed record RunConfig
{
    public const string FormatName = "chainrule-mlp";

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = 1;

    /// <summary>The MLP's sizes and activations (train without --arch); null for a network given by --arch.</summary>
    public MlpConfig? Model { get; init; }

    /// <summary>The layer spec and input shape of a network given by --arch (a CNN); null for the MLP.</summary>
    public NetworkConfig? Network { get; init; }

    public required DataConfig Data { get; init; }

    public required TrainingConfig Training { get; init; }

    public ResultsConfig? Results { get; init; }

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // an explicit null where the type has no null ("training": null, "hidden": null) is a JsonException naming
        // the property, not a NullReferenceException later
        RespectNullableAnnotations = true,
    };

    /// <summary>What the model is, in a few words: "784-1024-512-10 relu MLP" or the --arch spec.</summary>
    [JsonIgnore]
    public string Description => Network is { } n ? n.Architecture : $"{string.Join("-", Model!.LayerSizes)} {Model.Activation} MLP";

    /// <summary>Values per example the model takes.</summary>
    [JsonIgnore]
    public long InputFeatures => Network is { } n ? n.InputShape.Aggregate(1L, (a, b) => a * b) : Model!.Inputs;

    /// <summary>What the last layer applies: none (logits), sigmoid or softmax.</summary>
    [JsonIgnore]
    public string OutputActivation => Model?.OutputActivation ?? "none";

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static RunConfig FromJson(string json, string path)
    {
        RunConfig? config = JsonSerializer.Deserialize<RunConfig>(json, s_json);
        if (config is not { Format: FormatName, Version: 1 })
        {
            throw new UserException($"{path}: not a ChainRule model configuration (format '{config?.Format}', version {config?.Version}).");
        }
        return (config.Model is null) != (config.Network is null) ? config
            : throw new UserException($"{path}: needs exactly one of 'model' (an MLP) and 'network' (an --arch spec), found {(config.Model is null ? "neither" : "both")}.");
    }
}

/// <summary>A network written as an --arch spec (NN.Architecture), for inputs of one shape.</summary>
public sealed record NetworkConfig
{
    /// <summary>The layer tokens, e.g. conv32k3-bn-relu-pool2-fc10.</summary>
    public required string Architecture { get; init; }

    /// <summary>One example's shape as the network sees it: (channels, height, width) for images, (features) otherwise.</summary>
    public required int[] InputShape { get; init; }

    /// <summary>The trainable values, for the record (the weights file is the authority).</summary>
    public long Parameters { get; init; }
}

/// <summary>Where the data came from and how its features were prepared.</summary>
public sealed record DataConfig
{
    /// <summary>What --data named: digits, fashion, a directory or a .csv file.</summary>
    public required string Source { get; init; }

    public required string Name { get; init; }

    /// <summary>Class names for classification; null for regression.</summary>
    public string[]? ClassNames { get; init; }

    /// <summary>The shape of one example's features, e.g. [28, 28] for images, [13] for a CSV row.</summary>
    public required int[] FeatureShape { get; init; }

    /// <summary>For image data: (rows, cols) of one image, so predict can resize new images to match.</summary>
    public int[]? ImageShape { get; init; }

    /// <summary>
    /// How the data set's images were made, so predict makes new pictures the same way: an
    /// <see cref="Data.ImagePreprocessing"/> recipe (mnist, resize, none). Older files lack it: null, see that type's ForDataSet.
    /// </summary>
    public string? Preprocessing { get; init; }

    /// <summary>For a single CSV file: the fraction held out as the test set, and the split's seed.</summary>
    public double TestFraction { get; init; }

    public ulong SplitSeed { get; init; }

    /// <summary>Per-feature standardisation (CSV): x' = (x - mean) / std, with the training set's statistics.</summary>
    public double[]? FeatureMean { get; init; }

    public double[]? FeatureStd { get; init; }
}

public sealed record TrainingConfig
{
    public required string Loss { get; init; }
    public required string Optimizer { get; init; }
    public double LearningRate { get; init; }
    public double Momentum { get; init; }
    public double WeightDecay { get; init; }
    public required string Schedule { get; init; }
    public int WarmupSteps { get; init; }
    public double LabelSmoothing { get; init; }
    public double? ClipNorm { get; init; }
    public int BatchSize { get; init; }
    public int Epochs { get; init; }
    public ulong Seed { get; init; }

    /// <summary>The thread count of the run: a resumed run continues bit for bit with the same count.</summary>
    public int Threads { get; init; }

    /// <summary>Random shifts (and, with <see cref="Flip"/>, mirror images) of the training images.</summary>
    public bool Augment { get; init; }

    public bool Flip { get; init; }

    /// <summary>A checkpoint every this many epochs (and after the last).</summary>
    public int SaveEvery { get; init; } = 1;
}

/// <summary>The numbers of the last completed epoch; <see cref="Epochs"/> below the run's epochs marks an unfinished run's checkpoint.</summary>
public sealed record ResultsConfig(double TestLoss, double TestAccuracy, double TrainSeconds, int Epochs = 0);

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

    public required MlpConfig Model { get; init; }

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

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static RunConfig FromJson(string json, string path)
    {
        RunConfig? config = JsonSerializer.Deserialize<RunConfig>(json, s_json);
        return config is { Format: FormatName, Version: 1 } ? config
            : throw new UserException($"{path}: not a ChainRule model configuration (format '{config?.Format}', version {config?.Version}).");
    }
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
    public int Threads { get; init; }
}

public sealed record ResultsConfig(double TestLoss, double TestAccuracy, double TrainSeconds);

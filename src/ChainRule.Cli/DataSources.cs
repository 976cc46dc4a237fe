using ChainRule.Data;

namespace ChainRule.Cli;

/// <summary>
/// Turns --data into a train and a test set: "digits" (built in), "fashion" (Fashion-MNIST from Debian's
/// dataset-fashion-mnist), a directory of MNIST-format files, or a .csv file (split into train and test,
/// features standardised with the training set's statistics).
/// </summary>
public static class DataSources
{
    public const string Default = "digits";

    public static (Dataset Train, Dataset Test, DataConfig Config) Load(string source, double testFraction, ulong splitSeed)
    {
        if (source == "digits")
        {
            return Images(source, Mnist.Digits());
        }
        if (source == "fashion")
        {
            return Images(source, Mnist.FashionMnist());
        }
        if (Directory.Exists(source))
        {
            return Images(source, Mnist.FromDirectory(source));
        }
        if (File.Exists(source) && source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            (Dataset train, Dataset test) = Csv.Load(source).Split(testFraction, splitSeed);
            (double[] mean, double[] std) = Statistics(train.Features);
            var config = new DataConfig
            {
                Source = source,
                Name = BaseName(train.Name),
                ClassNames = train.ClassNames?.ToArray(),
                FeatureShape = train.Features.Shape.Dims[1..].ToArray(),
                TestFraction = testFraction,
                SplitSeed = splitSeed,
                FeatureMean = mean,
                FeatureStd = std,
                Preprocessing = ImagePreprocessing.None,
            };
            return (Prepare(train, config), Prepare(test, config), config);
        }
        throw new UserException($"--data '{source}': not 'digits', 'fashion', a directory of MNIST-format files, or an existing .csv file.");
    }

    /// <summary>The test set a model was trained with, prepared the same way (for evaluate and predict).</summary>
    public static Dataset TestSetOf(DataConfig config, string? source = null)
    {
        string from = source ?? config.Source;
        if (from.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && File.Exists(from))
        {
            Dataset all = Csv.Load(from);
            Dataset test = source is null ? all.Split(config.TestFraction, config.SplitSeed).Test : all; // another CSV file: all of it
            return Prepare(test, config);
        }
        return Load(from, config.TestFraction, config.SplitSeed).Test;
    }

    /// <summary>Applies the stored feature standardisation, if any.</summary>
    public static Dataset Prepare(Dataset data, DataConfig config)
    {
        if (config.FeatureMean is null || config.FeatureStd is null)
        {
            return data;
        }
        int features = config.FeatureMean.Length;
        if (data.Features.Shape[-1] != features)
        {
            throw new UserException($"{data.Name}: {data.Features.Shape[-1]} feature columns, but the model was trained on {features}.");
        }
        Tensor mean = Tensor.FromArray(config.FeatureMean.Select(v => (float)v).ToArray(), [features]);
        Tensor std = Tensor.FromArray(config.FeatureStd.Select(v => (float)v).ToArray(), [features]);
        return new Dataset(data.Name, (data.Features - mean) / std, data.Labels, data.ClassNames);
    }

    private static (Dataset, Dataset, DataConfig) Images(string source, (Dataset Train, Dataset Test) data) =>
        (data.Train, data.Test, new DataConfig
        {
            Source = source,
            Name = BaseName(data.Train.Name),
            ClassNames = data.Train.ClassNames?.ToArray(),
            FeatureShape = data.Train.Features.Shape.Dims[1..].ToArray(),
            ImageShape = SquareImage(data.Train.Features.Shape[-1]),
            Preprocessing = ImagePreprocessing.ForDataSet(BaseName(data.Train.Name), images: true),
        });

    // MNIST-format images arrive flattened; they are square (28 x 28 for MNIST and Fashion-MNIST).
    private static int[] SquareImage(int pixels)
    {
        int side = (int)Math.Round(Math.Sqrt(pixels));
        return side * side == pixels ? [side, side] : [1, pixels];
    }

    // "digits-train" -> "digits": the name of the data set rather than of its training half.
    private static string BaseName(string name) => name.EndsWith("-train", StringComparison.Ordinal) ? name[..^"-train".Length] : name;

    // Column means and standard deviations (1 where a column is constant, so it passes unchanged).
    private static (double[] Mean, double[] Std) Statistics(Tensor features)
    {
        double[] mean = features.To(DType.Float64).Mean(0).ToDoubleArray();
        double[] std = features.To(DType.Float64).Std([0]).ToDoubleArray().Select(s => s > 1e-12 ? s : 1).ToArray();
        return (mean, std);
    }
}

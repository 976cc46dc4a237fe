using System.Numerics.Tensors;

namespace ChainRule.Data;

/// <summary>
/// Image classification data sets in the MNIST layout: four IDX files, raw or gzip-compressed,
/// <c>train-images-idx3-ubyte</c> (n, rows, cols) uint8, <c>train-labels-idx1-ubyte</c> (n) uint8, and the
/// same two for the test set with the prefix <c>t10k</c>.
/// </summary>
/// <remarks>
/// Every loader returns (Train, Test) with Features of shape (n, rows * cols) float32 (each image flattened
/// row by row), pixel values scaled from 0..255 to [0, 1] by dividing by 255, and Labels (n) Int64 class
/// indices. Errors name the file: <see cref="DataFormatException"/> for content, FileNotFoundException for a
/// missing file.
/// </remarks>
public static class Mnist
{
    /// <summary>Where the Debian/Ubuntu package <c>dataset-fashion-mnist</c> installs Fashion-MNIST.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    private const string DigitsResourcePrefix = "ChainRule.Data.Digits."; // LogicalName in ChainRule.csproj

    private static readonly string[] s_digitClasses = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static readonly string[] s_fashionClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The built-in data set: 10,000 real MNIST digits (28 x 28, classes "0".."9") embedded in the ChainRule
    /// assembly, split 8,000 train / 2,000 test, stratified. Provenance and licences: data/digits/README.md.
    /// </summary>
    public static (Dataset Train, Dataset Test) Digits() => Load("digits", s_digitClasses, baseName =>
    {
        string resource = $"{DigitsResourcePrefix}{baseName}.gz";
        Stream stream = typeof(Mnist).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the ChainRule assembly lacks the embedded resource {resource} (a build problem).");
        return (stream, $"embedded resource {resource}");
    });

    /// <summary>
    /// Fashion-MNIST (Zalando Research, MIT licence): 60,000 train / 10,000 test 28 x 28 images of clothing in
    /// 10 classes. Reads the four MNIST-layout files in <paramref name="directory"/>, by default where
    /// <c>apt-get install dataset-fashion-mnist</c> puts them.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says how to install the package.</exception>
    public static (Dataset Train, Dataset Test) FashionMnist(string directory = FashionMnistDirectory)
    {
        try
        {
            return FromDirectory(directory, s_fashionClasses, "fashion-mnist");
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException(
                $"Fashion-MNIST was not found: {e.Message} On Debian or Ubuntu, install it with "
                + "'sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist' (it goes to "
                + $"{FashionMnistDirectory}); or download the four files from "
                + "https://github.com/zalandoresearch/fashion-mnist and pass their directory.", e);
        }
    }

    /// <summary>
    /// Reads the four MNIST-layout files in <paramref name="directory"/>. For each, the first that exists of
    /// <c>train-images-idx3-ubyte</c>, <c>train-images-idx3-ubyte.gz</c>, <c>train-images.idx3-ubyte</c>,
    /// <c>train-images.idx3-ubyte.gz</c> is read (gzip is detected from the content). Image and label counts
    /// must agree and every label must be below the number of classes.
    /// </summary>
    /// <param name="classNames">The class names, by index; "0".."9" by default.</param>
    /// <param name="name">The data set's name; the directory's name by default.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing (the message lists the names tried).</exception>
    /// <exception cref="DataFormatException">A file is malformed or the files disagree.</exception>
    public static (Dataset Train, Dataset Test) FromDirectory(string directory, IReadOnlyList<string>? classNames = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"MNIST directory not found: {directory}.");
        }
        name ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return Load(name, classNames ?? s_digitClasses, baseName =>
        {
            string path = FindFile(directory, baseName);
            return (File.OpenRead(path), path);
        });
    }

    // open maps a base name ("train-images-idx3-ubyte") to a stream, and the name that stands for it in errors.
    private static (Dataset Train, Dataset Test) Load(string name, IReadOnlyList<string> classNames, Func<string, (Stream, string)> open) =>
        (Load($"{name}-train", "train", classNames, open), Load($"{name}-test", "t10k", classNames, open));

    private static Dataset Load(string name, string prefix, IReadOnlyList<string> classNames, Func<string, (Stream, string)> open)
    {
        (Stream imageStream, string imageFile) = open($"{prefix}-images-idx3-ubyte");
        Tensor images;
        using (imageStream)
        {
            images = Idx.Read(imageStream, imageFile, rank: 3, type: IdxType.UInt8); // (n, rows, cols)
        }
        (Stream labelStream, string labelFile) = open($"{prefix}-labels-idx1-ubyte");
        Tensor labels;
        using (labelStream)
        {
            labels = Idx.Read(labelStream, labelFile, rank: 1, type: IdxType.UInt8); // (n)
        }

        int n = images.Shape[0];
        long pixelsPerImage = (long)images.Shape[1] * images.Shape[2]; // of an empty file, this can be anything
        if (pixelsPerImage > int.MaxValue)
        {
            throw new DataFormatException(imageFile, "byte 8", $"images of {images.Shape[1]} x {images.Shape[2]} pixels: more than {int.MaxValue} values each");
        }
        if (labels.Shape[0] != n)
        {
            throw new DataFormatException(labelFile, "dimension 0", $"{labels.Shape[0]} labels, but {imageFile} has {n} images");
        }
        ReadOnlySpan<float> y = labels.AsSpan<float>();
        for (int i = 0; i < y.Length; i++)
        {
            if (y[i] >= classNames.Count)
            {
                throw new DataFormatException(labelFile, $"label {i}", $"class {y[i]} is outside 0..{classNames.Count - 1}");
            }
        }
        Span<float> pixels = images.AsSpan<float>();
        TensorPrimitives.Divide(pixels, 255f, pixels); // 0..255 -> [0, 1]
        return new Dataset(name, images.Reshape(n, (int)pixelsPerImage), labels.To(DType.Int64), classNames);
    }

    // The first existing spelling of an MNIST file: plain or dotted ("train-images.idx3-ubyte"), raw or .gz.
    private static string FindFile(string directory, string baseName)
    {
        string dotted = baseName.Replace("-idx", ".idx", StringComparison.Ordinal);
        string[] candidates = [baseName, baseName + ".gz", dotted, dotted + ".gz"];
        foreach (string candidate in candidates)
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException(
            $"{Path.Combine(directory, baseName)} not found (tried {string.Join(", ", candidates)} in {directory}).",
            Path.Combine(directory, baseName));
    }
}

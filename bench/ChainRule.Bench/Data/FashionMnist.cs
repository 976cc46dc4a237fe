using System.Numerics.Tensors;
using ChainRule.Data;

namespace ChainRule.Bench.Data;

/// <summary>
/// Fashion-MNIST as the harness hands it to every library: images (count, 784) row-major
/// float32 = pixel / 255, labels (count) as class numbers 0..9.
/// </summary>
public sealed record FashionMnist(float[] TrainImages, byte[] TrainLabels, float[] TestImages, byte[] TestLabels)
{
    public const int Pixels = 28 * 28;

    private static readonly string[] FileNames =
    [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ];

    public int TrainCount => TrainLabels.Length;

    /// <summary>True when all four files are under `directory`.</summary>
    public static bool Exists(string directory) =>
        FileNames.All(name => File.Exists(Path.Combine(directory, name)));

    /// <summary>Reads the four files under `directory` (the layout of Debian's dataset-fashion-mnist).</summary>
    public static FashionMnist Load(string directory)
    {
        var (trainImages, trainLabels) = Read(directory, "train");
        var (testImages, testLabels) = Read(directory, "t10k");
        return new FashionMnist(trainImages, trainLabels, testImages, testLabels);
    }

    // The library's IDX reader (it checks the magic, type, rank and lengths, naming file and byte offset); the
    // pixels are scaled in the reader's own array, so the data is held once, as the harness's plain arrays.
    private static (float[] Images, byte[] Labels) Read(string directory, string prefix)
    {
        string imagePath = Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz");
        string labelPath = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz");
        Tensor images = Idx.Read(imagePath, rank: 3, type: IdxType.UInt8);
        Tensor labels = Idx.Read(labelPath, rank: 1, type: IdxType.UInt8);
        if (images.Shape[1] * images.Shape[2] != Pixels || images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"{imagePath} is {images.Shape} but {labelPath} has {labels.Shape[0]} labels; expected (count, 28, 28) and count labels");
        var pixels = (float[])images.Buffer; // contiguous, from offset 0: the reader allocated exactly this
        TensorPrimitives.Divide(pixels, 255f, pixels);
        return (pixels, [.. labels.ToArray().Select(label => (byte)label)]);
    }
}

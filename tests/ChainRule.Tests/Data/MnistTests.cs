using System.Security.Cryptography;
using ChainRule.Data;

namespace ChainRule.Tests.Data;

// The oracle for the built-in digits is data/digits/README.md: its class counts, its mean pixel, the SHA-256
// of the decompressed files, and the well-known first MNIST training image (a 5).
public class MnistTests
{
    [Fact]
    public void Digits_loads_8000_train_and_2000_test_with_the_documented_class_counts()
    {
        (Dataset train, Dataset test) = Mnist.Digits();

        Assert.Equal(new Shape(8000, 784), train.Features.Shape);
        Assert.Equal(new Shape(2000, 784), test.Features.Shape);
        Assert.Equal(new Shape(8000), train.Labels.Shape);
        Assert.Equal(DType.Float32, train.Features.DType);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], train.ClassNames);
        Assert.Equal([801, 902, 793, 826, 784, 690, 811, 856, 755, 782], DatasetTests.ClassCounts(train, 10));
        Assert.Equal([200, 225, 198, 206, 196, 173, 203, 214, 189, 196], DatasetTests.ClassCounts(test, 10));
        Assert.Equal("digits-train", train.Name);
        Assert.Equal("digits-test", test.Name);
    }

    [Fact]
    public void Digits_pixels_are_scaled_to_0_1_with_the_documented_mean()
    {
        (Dataset train, Dataset test) = Mnist.Digits();
        float[] pixels = [.. train.Features.ToArray(), .. test.Features.ToArray()];

        double mean = pixels.Average(p => (double)p);
        double zeros = pixels.Count(p => p == 0) / (double)pixels.Length;

        Assert.Equal(0f, pixels.Min());
        Assert.Equal(1f, pixels.Max());
        Assert.InRange(mean * 255, 33.35, 33.45); // README: mean pixel 33.4 on 0..255 (rounded to one decimal)
        Assert.InRange(zeros, 0.80, 0.82);        // README: about 81 % of the pixels are 0
    }

    [Fact]
    public void Digits_contain_the_first_MNIST_training_image_once_labelled_5()
    {
        // Row 5, columns 12..23 of MNIST's first training image, a 5 (README, Provenance).
        byte[] row5 = [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127];
        (Dataset train, Dataset test) = Mnist.Digits();

        var matches = new List<float>();
        foreach (Dataset d in new[] { train, test })
        {
            float[] x = d.Features.ToArray();
            long[] y = d.Labels.ToArray<long>();
            for (int i = 0; i < d.Count; i++)
            {
                if (row5.Select((v, j) => x[(i * 784) + (5 * 28) + 12 + j] == v / 255f).All(same => same))
                {
                    matches.Add(y[i]);
                }
            }
        }

        Assert.Equal([5f], matches);
    }

    [Fact]
    public void Digits_rewritten_as_IDX_match_the_documented_SHA256()
    {
        // Idx.Write of what Digits() read reproduces the original decompressed bytes (README's second table).
        (Dataset train, Dataset test) = Mnist.Digits();
        using var dir = new TempDirectory();
        Tensor images = Tensor.FromArray([.. test.Features.ToArray().Select(p => MathF.Round(p * 255))], [2000, 28, 28]);

        Idx.Write(dir.File("labels"), train.Labels, IdxType.UInt8);
        Idx.Write(dir.File("images"), images, IdxType.UInt8);

        Assert.Equal("10df11d5276f33903e67edb73986ad1bab1e85223e20573a398bdf1142fde758", Sha256(dir.File("labels")));
        Assert.Equal("e0b133078337130fdad599c11fb1177e4b3513080cc9a177a76cf190c5feef70", Sha256(dir.File("images")));
    }

    [Theory]
    [InlineData("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    [InlineData("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
    [InlineData("train-images.idx3-ubyte", "train-labels.idx1-ubyte", "t10k-images.idx3-ubyte.gz", "t10k-labels.idx1-ubyte")]
    public void FromDirectory_reads_the_four_files_under_any_accepted_name(string trainImages, string trainLabels, string testImages, string testLabels)
    {
        using var dir = new TempDirectory();
        WriteSplit(dir, trainImages, trainLabels, n: 5);
        WriteSplit(dir, testImages, testLabels, n: 3);

        (Dataset train, Dataset test) = Mnist.FromDirectory(dir.Path, ["a", "b", "c"], "tiny");

        Assert.Equal(new Shape(5, 6), train.Features.Shape); // (n, 2 x 3) images, flattened
        Assert.Equal(new Shape(3, 6), test.Features.Shape);
        Assert.Equal([0L, 1, 2, 0, 1], train.Labels.ToArray<long>());
        Assert.Equal([0f, 51 / 255f, 102 / 255f, 153 / 255f, 204 / 255f, 1f], train.Features.ToArray()[..6]); // pixel / 255
        Assert.Equal(["a", "b", "c"], train.ClassNames);
        Assert.Equal("tiny-train", train.Name);
    }

    [Fact]
    public void FromDirectory_ThrowsWhenCountsDisagree_NamingTheLabelFile()
    {
        using var dir = new TempDirectory();
        WriteSplit(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", n: 5);
        WriteSplit(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n: 3);
        Idx.Write(dir.File("t10k-labels-idx1-ubyte"), Tensor.Zeros([4]), IdxType.UInt8);

        var e = Assert.Throws<DataFormatException>(() => Mnist.FromDirectory(dir.Path));

        Assert.Equal($"{dir.File("t10k-labels-idx1-ubyte")}: dimension 0: 4 labels, but {dir.File("t10k-images-idx3-ubyte")} has 3 images", e.Message);
    }

    [Fact]
    public void FromDirectory_ThrowsForALabelOutOfRange_NamingFileAndLabel()
    {
        using var dir = new TempDirectory();
        WriteSplit(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz", n: 5);
        WriteSplit(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n: 3);

        var e = Assert.Throws<DataFormatException>(() => Mnist.FromDirectory(dir.Path, ["only", "two"]));

        Assert.Equal($"{dir.File("train-labels-idx1-ubyte.gz")}: label 2: class 2 is outside 0..1", e.Message);
    }

    [Fact]
    public void FromDirectory_ThrowsForEmptyImagesTooLargeToFlatten_NamingTheFile()
    {
        // no images of 46,341 x 46,341 pixels: the file is valid, but rows x cols overflowed an int (an ArgumentException from Reshape)
        using var dir = new TempDirectory();
        WriteSplit(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", n: 2);
        WriteSplit(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n: 0);
        Idx.Write(dir.File("t10k-images-idx3-ubyte"), Tensor.Zeros([0, 46341, 46341]), IdxType.UInt8);

        var e = Assert.Throws<DataFormatException>(() => Mnist.FromDirectory(dir.Path));

        Assert.Equal($"{dir.File("t10k-images-idx3-ubyte")}: byte 8: images of 46341 x 46341 pixels: more than 2147483647 values each", e.Message);
    }

    [Fact]
    public void FromDirectory_ThrowsForImagesOfTheWrongRankOrType_NamingFileAndOffset()
    {
        using var dir = new TempDirectory();
        WriteSplit(dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte", n: 2);
        Idx.Write(dir.File("train-images-idx3-ubyte.gz"), Tensor.Zeros([2, 6]), IdxType.UInt8);

        var rank = Assert.Throws<DataFormatException>(() => Mnist.FromDirectory(dir.Path));
        Idx.Write(dir.File("train-images-idx3-ubyte.gz"), Tensor.Zeros([2, 2, 3]), IdxType.Float32);
        var type = Assert.Throws<DataFormatException>(() => Mnist.FromDirectory(dir.Path));

        Assert.Equal($"{dir.File("train-images-idx3-ubyte.gz")}: byte 3 (decompressed offset): rank 2, expected 3", rank.Message);
        Assert.StartsWith($"{dir.File("train-images-idx3-ubyte.gz")}: byte 2 (decompressed offset): element type Float32", type.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDirectory_ThrowsForAMissingFileOrDirectory_NamingIt()
    {
        using var dir = new TempDirectory();
        WriteSplit(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", n: 2);

        var file = Assert.Throws<FileNotFoundException>(() => Mnist.FromDirectory(dir.Path));
        var directory = Assert.Throws<DirectoryNotFoundException>(() => Mnist.FromDirectory(dir.File("nowhere")));

        Assert.Equal(dir.File("t10k-images-idx3-ubyte"), file.FileName);
        Assert.Contains("t10k-images.idx3-ubyte.gz", file.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("nowhere"), directory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FashionMnist_loads_60000_and_10000_balanced_images_or_says_how_to_install_it()
    {
        if (!File.Exists(Path.Combine(Mnist.FashionMnistDirectory, "t10k-labels-idx1-ubyte.gz")))
        {
            // Not installed on this machine: the error must tell the user what to do.
            var e = Assert.Throws<FileNotFoundException>(() => Mnist.FashionMnist());
            Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message, StringComparison.Ordinal);
            return;
        }

        (Dataset train, Dataset test) = Mnist.FashionMnist();

        Assert.Equal(new Shape(60000, 784), train.Features.Shape);
        Assert.Equal(new Shape(10000, 784), test.Features.Shape);
        Assert.All(DatasetTests.ClassCounts(train, 10), count => Assert.Equal(6000, count)); // Fashion-MNIST is balanced
        Assert.All(DatasetTests.ClassCounts(test, 10), count => Assert.Equal(1000, count));
        Assert.Equal("T-shirt/top", train.ClassNames![0]);
        Assert.Equal("Ankle boot", train.ClassNames[9]);
        Assert.InRange(train.Features.Max().Item(), 0.99, 1.0);
    }

    [Fact]
    public void FashionMnist_ThrowsForAnAbsentDirectory_WithTheAptCommand()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<FileNotFoundException>(() => Mnist.FashionMnist(dir.File("absent")));

        Assert.Contains(dir.File("absent"), e.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message, StringComparison.Ordinal);
    }

    // n images of 2 x 3 pixels, pixel k (counting over the whole file) = 51 k mod 256, and labels i % 3.
    private static void WriteSplit(TempDirectory dir, string images, string labels, int n)
    {
        Idx.Write(dir.File(images), Tensor.FromArray([.. Enumerable.Range(0, n * 6).Select(k => (float)(51 * k % 256))], [n, 2, 3]), IdxType.UInt8);
        Idx.Write(dir.File(labels), Tensor.FromArray([.. Enumerable.Range(0, n).Select(i => (float)(i % 3))]), IdxType.UInt8);
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

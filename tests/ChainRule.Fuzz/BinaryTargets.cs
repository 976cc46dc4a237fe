using System.IO.Compression;
using System.Text;
using ChainRule.Cli;
using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;
using SkiaSharp;

namespace ChainRule.Fuzz;

/// <summary>Idx.Read, raw or gzip. A gzip input is mutated either inside the stream (then compressed) or as compressed bytes.</summary>
public sealed class IdxTarget(bool gzip) : FuzzTarget
{
    public override string Name => gzip ? "idx-gzip" : "idx";

    public override string? Names => "fuzz.idx: byte ";

    public override IReadOnlyList<Type> Refusals => [typeof(DataFormatException)];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        var g = new Generator(1);
        (Tensor Values, IdxType Type)[] seeds =
        [
            (Tensor.RandomInteger([3, 4, 5], 0, 256, g), IdxType.UInt8),
            (Tensor.RandomInteger([7], -128, 128, g), IdxType.Int8),
            (Tensor.RandomInteger([2, 3], -30000, 30000, g), IdxType.Int16),
            (Tensor.RandomInteger([4, 2], -1_000_000, 1_000_000, g), IdxType.Int32),
            (Tensor.RandomNormal([2, 2, 2, 2], 0, 1, g), IdxType.Float32),
            (Tensor.RandomNormal([5, 1], 0, 1, g, DType.Float64), IdxType.Float64),
            (Tensor.Zeros([0, 3]), IdxType.UInt8),
        ];
        return [.. seeds.Select((s, i) =>
        {
            string path = Path.Combine(directory, $"seed{i}.idx");
            Idx.Write(path, s.Values, s.Type);
            return File.ReadAllBytes(path); // raw: a gzip input is compressed by Prepare
        })];
    }

    public override byte[] Prepare(byte[] seed, Mutator mutator, Random random, List<string> log)
    {
        if (!gzip)
        {
            return mutator.Mutate(seed, IsText, log);
        }
        if (random.Next(2) == 0)
        {
            log.Add("inside the gzip stream:");
            return Compress(mutator.Mutate(seed, IsText, log));
        }
        log.Add("on the compressed bytes:");
        return mutator.Mutate(Compress(seed), IsText, log);
    }

    public override void Read(byte[] input, string directory) => Idx.Read(new MemoryStream(input), "fuzz.idx");

    private static byte[] Compress(byte[] data)
    {
        var output = new MemoryStream();
        using (var stream = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            stream.Write(data);
        }
        return output.ToArray();
    }
}

/// <summary>Safetensors.Load: every dtype Save writes, metadata, an empty tensor, a 0-d one, and a hand-made header of F16/BF16/I8/I16.</summary>
public sealed class SafetensorsTarget : FuzzTarget
{
    public override string Name => "safetensors";

    public override string? Names => "fuzz.safetensors";

    public override IReadOnlyList<Type> Refusals => [typeof(InvalidDataException), typeof(NotSupportedException)];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        var g = new Generator(2);
        string path = Path.Combine(directory, "seed.safetensors");
        Safetensors.Save(path,
        [
            new("w", Tensor.RandomNormal([3, 2], 0, 1, g)),
            new("d", Tensor.RandomNormal([2], 0, 1, g, DType.Float64)),
            new("i", Tensor.FromArray([1, -2, 3], [3])),
            new("l", Tensor.FromArray([5L, 6L], [2])),
            new("b", Tensor.FromArray([true, false], [2])),
            new("u", Tensor.FromArray(new byte[] { 7, 8, 9 }, [3])),
            new("empty", Tensor.Zeros([0, 4])),
            new("scalar", Tensor.Scalar(2.5)),
        ], new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é+\"quoted\"" });
        byte[] saved = File.ReadAllBytes(path);

        string json = """{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},"c":{"dtype":"I8","shape":[2],"data_offsets":[6,8]},"d":{"dtype":"I16","shape":[1],"data_offsets":[8,10]}}""";
        byte[] header = Encoding.UTF8.GetBytes(json.PadRight((json.Length + 7) / 8 * 8));
        byte[] handMade = [.. BitConverter.GetBytes((ulong)header.Length), .. header, 0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 0x05, 0xFB, 0x34, 0x12];
        return [saved, handMade];
    }

    public override void Read(byte[] input, string directory) => Safetensors.Load(WriteFile(directory, "fuzz.safetensors", input));
}

/// <summary>Checkpoint.LoadNetwork: a small CNN and an MLP written by Checkpoint.Save with their --arch spec.</summary>
public sealed class CheckpointTarget : FuzzTarget
{
    public override string Name => "checkpoint";

    public override string? Names => "fuzz.safetensors";

    public override IReadOnlyList<Type> Refusals => [typeof(InvalidDataException), typeof(NotSupportedException)];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        (string Spec, int[] Shape)[] networks = [("conv2k3-bn-relu-pool2-fc3", [1, 6, 6]), ("fc4-relu-ln-fc3", [5])];
        return [.. networks.Select((n, i) =>
        {
            string path = Path.Combine(directory, $"seed{i}.safetensors");
            Checkpoint.Save(Architecture.Build(n.Spec, n.Shape, new Generator(3)), path, n.Spec, n.Shape);
            return File.ReadAllBytes(path);
        })];
    }

    public override void Read(byte[] input, string directory) => Checkpoint.LoadNetwork(WriteFile(directory, "fuzz.safetensors", input));
}

/// <summary>
/// A model directory (RunFiles.Load, what --model reads): config.json from a real 'chainrule train' of an MLP and of an
/// --arch network on a small CSV, mutated, beside the weights file the run wrote.
/// </summary>
public sealed class ConfigTarget : FuzzTarget
{
    public override string Name => "config";

    public override string? Names => Path.DirectorySeparatorChar + "model";

    public override IReadOnlyList<Type> Refusals => [typeof(UserException), typeof(InvalidDataException), typeof(NotSupportedException)];

    public override bool IsText => true;

    public override IReadOnlyList<string> Tokens =>
        ["{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "1e308", "\"hidden\"", "\"model\"", "\"network\"", "\"inputShape\"", "\"architecture\"", "\"fc10\""];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        string csv = Path.Combine(directory, "train.csv");
        File.WriteAllText(csv, CsvTarget.Sample(60));
        string[][] runs = [["--hidden", "6"], ["--arch", "fc6-relu-bn-fc3"]];
        return [.. runs.Select((extra, i) =>
        {
            string run = Path.Combine(directory, $"run{i}");
            var output = new StringWriter();
            int code = ChainRule.Cli.Program.Run(["train", "--data", csv, "--epochs", "1", "--batch-size", "16", "--threads", "1", "--out", run, .. extra], output, output);
            return code == 0 ? File.ReadAllBytes(Path.Combine(run, RunFiles.Config)) : throw new InvalidOperationException($"the seed run failed: {output}");
        })];
    }

    public override void Read(byte[] input, string directory)
    {
        // the weights of the run whose kind of model the text names
        string run = Path.Combine(directory, Encoding.UTF8.GetString(input).Contains("\"network\"", StringComparison.Ordinal) ? "run1" : "run0");
        string model = Path.Combine(directory, "model");
        Directory.CreateDirectory(model);
        File.Copy(Path.Combine(run, RunFiles.Model), Path.Combine(model, RunFiles.Model), overwrite: true);
        File.WriteAllBytes(Path.Combine(model, RunFiles.Config), input);
        RunFiles.Load(model);
    }

    public override long Size(byte[] input) => input.Length + 4096; // the weights of both runs are under 4 KB
}

/// <summary>Images.Load (what predict reads): PGM P5 (8 and 16 bits) and P2 parsed here; PNG, JPEG and WebP through SkiaSharp.</summary>
public sealed class ImageTarget : FuzzTarget
{
    public override string Name => "image";

    public override string? Names => "fuzz.img";

    public override IReadOnlyList<Type> Refusals => [typeof(InvalidDataException), typeof(UserException)];

    public override bool IsNative => true;

    public override IReadOnlyList<byte[]> CreateSeeds(string directory) =>
    [
        Encode(28, 28, SKEncodedImageFormat.Png, SKColorType.Gray8),
        Encode(13, 9, SKEncodedImageFormat.Png, SKColorType.Rgba8888),
        Encode(28, 28, SKEncodedImageFormat.Jpeg, SKColorType.Rgba8888),
        Encode(16, 16, SKEncodedImageFormat.Webp, SKColorType.Rgba8888),
        [.. "P5\n# a comment\n4 3\n255\n"u8, .. Enumerable.Range(0, 12).Select(i => (byte)(i * 20))],
        [.. "P5 2 2 65535\n"u8, 0x00, 0x00, 0xFF, 0xFF, 0x12, 0x34, 0x80, 0x00],
        Encoding.ASCII.GetBytes("P2\n3 2\n# max\n15\n0 3 6\n9 12 15\n"),
    ];

    // predict's plain resize (the mnist recipe refuses the blank seeds; its geometry is tested in ImagePreprocessingTests)
    public override void Read(byte[] input, string directory) => Images.Load(WriteFile(directory, "fuzz.img", input), 28, 28, ImagePreprocessing.Resize);

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format, SKColorType type)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Premul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 9), (byte)(y * 9), (byte)((x + y) * 4), (byte)(255 - x)));
            }
        }
        using SKData data = bitmap.Encode(format, 90);
        return data.ToArray();
    }
}

/// <summary>
/// Mnist.FromDirectory (what --data DIR reads): four IDX files, train and test images and labels, one of them mutated.
/// An input is the number of the file (its first byte) and the mutated file.
/// </summary>
public sealed class MnistTarget : FuzzTarget
{
    private static readonly string[] s_files =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz"];

    private byte[][] _files = [];

    public override string Name => "mnist";

    public override IReadOnlyList<Type> Refusals => [typeof(DataFormatException)];

    public override string? Names => "-ubyte";

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        var g = new Generator(6);
        Tensor[] contents = [Tensor.RandomInteger([5, 4, 3], 0, 256, g), Tensor.RandomInteger([5], 0, 10, g), Tensor.RandomInteger([2, 4, 3], 0, 256, g), Tensor.RandomInteger([2], 0, 10, g)];
        _files = [.. s_files.Select((file, i) =>
        {
            string path = Path.Combine(directory, "seed-" + file);
            Idx.Write(path, contents[i], IdxType.UInt8);
            return File.ReadAllBytes(path);
        })];
        return [.. _files.Select((bytes, i) => (byte[])[(byte)i, .. bytes])];
    }

    public override byte[] Prepare(byte[] seed, Mutator mutator, Random random, List<string> log)
    {
        log.Add($"in {s_files[seed[0]]}:");
        return [seed[0], .. mutator.Mutate(seed[1..], IsText, log)];
    }

    public override void Read(byte[] input, string directory)
    {
        string data = Path.Combine(directory, "mnist");
        Directory.CreateDirectory(data);
        for (int i = 0; i < s_files.Length; i++)
        {
            File.WriteAllBytes(Path.Combine(data, s_files[i]), i == input[0] ? input[1..] : _files[i]);
        }
        Mnist.FromDirectory(data);
    }
}

/// <summary>
/// training-state.safetensors (what train --resume reads besides the weights): TrainingState.Load into a model with a
/// dropout generator and an AdamW that has state, from a seed written after two epochs.
/// </summary>
public sealed class TrainingStateTarget : FuzzTarget
{
    private const string Spec = "fc6-relu-dropout0.3-fc3";

    public override string Name => "training-state";

    public override string? Names => "fuzz.safetensors";

    public override IReadOnlyList<Type> Refusals => [typeof(InvalidDataException), typeof(NotSupportedException)];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        (Sequential model, Optim.Optimizer optimizer) = Create();
        var g = new Generator(2);
        var data = new Dataset("toy", Tensor.RandomNormal(new Shape(24, 4), 0, 1, g), Tensor.RandomInteger(new Shape(24), 0, 3, g), ["a", "b", "c"]);
        var trainer = new Training.Trainer(model, optimizer, (output, y) => Losses.SoftmaxCrossEntropy(output, y));
        IReadOnlyList<Training.EpochResult> history = trainer.Fit(data, data, epochs: 2, batchSize: 8, seed: 1);
        string path = Path.Combine(directory, "seed.safetensors");
        TrainingState.Save(path, model, optimizer, history, new Dictionary<string, string> { ["threads"] = "1" });
        return [File.ReadAllBytes(path)];
    }

    public override void Read(byte[] input, string directory)
    {
        (Sequential model, Optim.Optimizer optimizer) = Create();
        TrainingState.Load(WriteFile(directory, "fuzz.safetensors", input), model, optimizer);
    }

    private static (Sequential, Optim.Optimizer) Create()
    {
        Sequential model = Architecture.Build(Spec, [4], new Generator(3));
        return (model, new Optim.AdamW(model.Parameters()));
    }
}

/// <summary>current.json (a run directory's manifest, what evaluate, predict and --resume read first) beside two real checkpoint folders.</summary>
public sealed class ManifestTarget : FuzzTarget
{
    public override string Name => "manifest";

    public override string? Names => CheckpointDirectory.ManifestName;

    public override IReadOnlyList<Type> Refusals => [typeof(InvalidDataException)];

    public override bool IsText => true;

    public override IReadOnlyList<string> Tokens =>
        ["{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "2147483648", "\"current\"", "\"history\"", "\"epoch\"", "\"checkpoints/epoch-0001\"", "\"../x\"", "\"/etc\""];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        var run = new CheckpointDirectory(Path.Combine(directory, "seed"));
        run.Commit(1, false, f => AtomicFile.WriteAllText(Path.Combine(f, "a.txt"), "1"));
        run.Commit(2, true, f => AtomicFile.WriteAllText(Path.Combine(f, "a.txt"), "2"));
        return [File.ReadAllBytes(run.ManifestPath)];
    }

    public override void Read(byte[] input, string directory)
    {
        string root = Path.Combine(directory, "run");
        foreach (string name in new[] { "epoch-0001", "epoch-0002" })
        {
            Directory.CreateDirectory(Path.Combine(root, CheckpointDirectory.CheckpointsFolder, name));
        }
        File.WriteAllBytes(Path.Combine(root, CheckpointDirectory.ManifestName), input);
        if (new CheckpointDirectory(root).ReadManifest() is { } m && !Path.GetFullPath(Path.Combine(root, m.Current)).StartsWith(Path.GetFullPath(root), StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the manifest named '{m.Current}', outside its run directory");
        }
    }
}

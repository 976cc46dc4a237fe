using SkiaSharp;

namespace ChainRule.Cli.Tests;

// evaluate and predict against one small trained model, and their error paths.
public class ModelCommandTests : IClassFixture<ModelCommandTests.TrainedModel>
{
    public sealed class TrainedModel : IDisposable
    {
        public TrainedModel()
        {
            Cli.Result result = Cli.Run("train", "--hidden", "64", "--epochs", "3", "--out", Directory.Path);
            Assert.True(result.ExitCode == 0, result.Error);
        }

        internal TempDirectory Directory { get; } = new();

        public void Dispose() => Directory.Dispose();
    }

    private readonly TempDirectory _dir;

    public ModelCommandTests(TrainedModel model) => _dir = model.Directory;

    [Fact]
    public void Evaluate_prints_accuracy_per_class_scores_and_the_confusion_matrix()
    {
        Cli.Result result = Cli.Run("evaluate", "--model", _dir.Path);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("digits-test: 2,000 examples", result.Output);
        Assert.Matches(@"accuracy \d+\.\d\d% \(\d+ of 2000\)", result.Output);
        Assert.Contains("precision", result.Output);
        Assert.Contains("true \\ predicted", result.Output);
        Assert.True(File.Exists(_dir.File("confusion.png")));
    }

    [Fact]
    public void Predict_an_example_of_the_test_set()
    {
        Cli.Result result = Cli.Run("predict", "--model", _dir.Path, "--index", "0");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("digits test example 0 (true: ", result.Output);
        Cli.AssertOneLineError(Cli.Run("predict", "--model", _dir.Path, "--index", "2000"), "--index 2000");
    }

    [Fact]
    public void Predict_reads_pgm_and_png_in_any_size_and_polarity()
    {
        // A test digit drawn as the model saw it (PGM, 28x28, white on black) and as a user might draw it
        // (PNG, 56x56, black ink on white): both must get the same, correct answer.
        (Data.Dataset _, Data.Dataset test) = Data.Mnist.Digits();
        float[] pixels = test.Features.Select(0, 0).ToArray();
        int label = (int)test.Labels[0];
        string pgm = _dir.File("digit.pgm");
        File.WriteAllBytes(pgm, [.. "P5\n28 28\n255\n"u8.ToArray(), .. pixels.Select(p => (byte)Math.Round(p * 255))]);
        string png = _dir.File("digit.png");
        using (var bitmap = new SKBitmap(56, 56))
        {
            for (int y = 0; y < 56; y++)
            {
                for (int x = 0; x < 56; x++)
                {
                    byte ink = (byte)(255 - Math.Round(pixels[((y / 2) * 28) + (x / 2)] * 255));
                    bitmap.SetPixel(x, y, new SKColor(ink, ink, ink));
                }
            }
            using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(png, data.ToArray());
        }
        Cli.Result result = Cli.Run("predict", "--model", _dir.Path, pgm, png);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"digit.pgm: {label} (", result.Output);
        Assert.Contains($"digit.png: {label} (", result.Output);
    }

    [Fact]
    public void Export_writes_an_onnx_file_and_says_what_it_holds()
    {
        using var output = new TempDirectory();
        string onnx = output.File("model.onnx");

        Cli.Result result = Cli.Run("export", "--model", _dir.Path, "--onnx", onnx);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"^Wrote .*model\.onnx: 3 nodes \(Gemm, Relu\), opset 17, \d+\.\d KiB; input 'input' \(batch, 784\), output 'logits' \(batch, 10\)\n$", result.Output);
        Assert.True(new FileInfo(onnx).Length > 784 * 64 * 4);

        Cli.Result probabilities = Cli.Run("export", "--model", _dir.Path, "--onnx", onnx, "--softmax");
        Assert.Contains("4 nodes (Gemm, Relu, Softmax)", probabilities.Output);
        Assert.Contains("output 'probabilities' (batch, 10)", probabilities.Output);
    }

    [Fact]
    public void Evaluate_onnx_measures_the_exported_model_as_evaluate_model_measures_the_model()
    {
        using var output = new TempDirectory();
        string onnx = output.File("model.onnx");
        Assert.Equal(0, Cli.Run("export", "--model", _dir.Path, "--onnx", onnx, "--softmax").ExitCode);

        Cli.Result model = Cli.Run("evaluate", "--model", _dir.Path, "--out", output.Path);
        Cli.Result imported = Cli.Run("evaluate", "--onnx", onnx);

        Assert.True(imported.ExitCode == 0, imported.Error);
        Assert.Contains("digits-test: 2,000 examples, ONNX model", imported.Output);
        string accuracy = System.Text.RegularExpressions.Regex.Match(model.Output, @"accuracy \d+\.\d\d% \(\d+ of 2000\)").Value;
        Assert.NotEmpty(accuracy);
        Assert.Contains(accuracy, imported.Output);
        Assert.True(File.Exists(output.File("confusion.png")));
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", _dir.Path, "--onnx", onnx), "one of them");
        File.WriteAllText(output.File("bad.onnx"), "not a model");
        Cli.AssertOneLineError(Cli.Run("evaluate", "--onnx", output.File("bad.onnx")), "bad.onnx");
    }

    [Fact]
    public void Export_refuses_bad_requests_in_one_line()
    {
        using var output = new TempDirectory();
        string onnx = output.File("model.onnx");
        Cli.AssertOneLineError(Cli.Run("export", "--model", _dir.Path, "--onnx", onnx, "--softmax", "--log-softmax"), "not both");
        Cli.AssertOneLineError(Cli.Run("export", "--model", output.File("missing"), "--onnx", onnx), "missing");
        Assert.False(File.Exists(onnx));
        Assert.Equal(2, Cli.Run("export", "--model", _dir.Path).ExitCode); // --onnx is required
    }

    [Fact]
    public void Bad_images_and_models_give_one_clear_line()
    {
        File.WriteAllText(_dir.File("notes.txt"), "not an image");
        Cli.AssertOneLineError(Cli.Run("predict", "--model", _dir.Path, _dir.File("notes.txt")), "notes.txt");
        Cli.AssertOneLineError(Cli.Run("predict", "--model", _dir.Path, _dir.File("missing.png")), "missing.png");
        File.WriteAllBytes(_dir.File("short.pgm"), "P5\n28 28\n255\n\u0001\u0002"u8.ToArray());
        Cli.AssertOneLineError(Cli.Run("predict", "--model", _dir.Path, _dir.File("short.pgm")), "short.pgm: byte 15");
        Cli.AssertOneLineError(Cli.Run("predict", "--model", _dir.Path), "--index");
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", _dir.File("nothing")), "nothing");
        Cli.AssertOneLineError(Cli.Run("evaluate"), "--model");
    }

    // Found by tests/ChainRule.Fuzz: a 14-byte WBMP header claiming 16,326 x 2,048 pixels was decoded (24 s, 133 MB),
    // and a PNG cut short was read as if complete. The header's size is checked against the file's before decoding.
    [Fact]
    public void Predict_refuses_an_image_larger_than_its_file_or_cut_short()
    {
        string wbmp = _dir.File("claims.wbmp");
        File.WriteAllBytes(wbmp, [0x00, 0x00, 0xFF, 0x46, 0x90, 0x00, 0, 0, 0, 0, 0, 1, 0, 0]);
        Cli.AssertOneLineError(Cli.Run("predict", "--model", _dir.Path, wbmp), "claims.wbmp: the header gives a 16326 x 2048 image; at most 4194640 pixels are read from a file of 14 bytes.");

        using var bitmap = new SKBitmap(28, 28);
        bitmap.Erase(SKColors.White);
        for (int i = 0; i < 28; i++)
        {
            bitmap.SetPixel(i, (i * 7) % 28, new SKColor((byte)(i * 9), 0, (byte)(255 - i)));
        }
        byte[] png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        string cut = _dir.File("cut.png");
        File.WriteAllBytes(cut, png[..(png.Length - 40)]);
        Cli.AssertOneLineError(Cli.Run("predict", "--model", _dir.Path, cut), "cut.png: the image data is truncated or corrupt (IncompleteInput).");
    }

    [Theory]
    [InlineData("P5\n123456789012 28\n255\n", "is too large")]                 // int.Parse overflowed
    [InlineData("P5\n65536 65536\n255\n", "at most 67108864 are read")]        // width x height overflowed an int
    [InlineData("P5\n40000 40000\n255\nabc", "at most 67108864 are read")]
    [InlineData("P5\n5000 5000\n255\nabc", "need at least 25000000 bytes of data; the file has 3")]
    [InlineData("P2\n3 3\n255\n1 2 3", "need at least 17 bytes")]
    [InlineData("P5\n-3 3\n255\n", "expected a number")]
    public void Predict_refuses_a_hostile_pgm_header_before_allocating(string header, string expected)
    {
        string pgm = _dir.File($"hostile-{Math.Abs(header.GetHashCode())}.pgm");
        File.WriteAllBytes(pgm, System.Text.Encoding.ASCII.GetBytes(header));
        Cli.Result r = Cli.Run("predict", "--model", _dir.Path, pgm);
        Assert.Equal(1, r.ExitCode);
        Cli.AssertOneLineError(r, expected);
    }

    [Fact]
    public void A_checkpoint_that_does_not_fit_its_config_is_refused_with_the_differences()
    {
        using var copy = new TempDirectory();
        // the two files a user copies elsewhere: without current.json they are the model
        foreach (string file in new[] { "model.safetensors", "config.json" })
        {
            File.Copy(_dir.File(file), copy.File(file));
        }
        File.WriteAllText(copy.File("config.json"), File.ReadAllText(copy.File("config.json")).Replace("\"hidden\": [\n      64\n    ]", "\"hidden\": [\n      65\n    ]"));
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), "'0.weight' has shape (64, 784) in the file but (65, 784) in the model");

        string config = File.ReadAllText(_dir.File("config.json"));
        File.WriteAllText(copy.File("config.json"), config.Replace("\"hidden\": [\n      64\n    ]", "\"hidden\": [\n      40000,\n      40000\n    ]"));
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), "the model 784-40000-40000-10 relu MLP has 1,631,840,010 parameters, more than");
        foreach (string section in new[] { "training", "data", "model" })
        {
            string nulled = System.Text.RegularExpressions.Regex.Replace(config, $"\"{section}\": \\{{", $"\"{section}\": null, \"unused\": {{");
            File.WriteAllText(copy.File("config.json"), nulled);
            // a null model is allowed where a network takes its place; with neither, that is said
            Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), section == "model"
                ? "config.json: needs exactly one of 'model' (an MLP) and 'network' (an --arch spec), found neither."
                : $"config.json: not a valid model configuration: '{section}' (line ");
        }
        File.WriteAllText(copy.File("config.json"), config.Replace("\"hidden\": [\n      64\n    ]", "\"hidden\": null"));
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), "'model.hidden' (line 6) is null, but a value is required.");

        // what Mlp.Create would refuse with an ArgumentException is said about config.json (found by tests/ChainRule.Fuzz)
        foreach ((string from, string to) in new[] { ("\"dropout\": 0", "\"dropout\": 5"), ("\"activation\": \"relu\"", "\"activation\": \"nope\""),
            ("\"outputActivation\": \"none\"", "\"outputActivation\": \"nne\"") })
        {
            Assert.Contains(from, config);
            File.WriteAllText(copy.File("config.json"), config.Replace(from, to));
            Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), "config.json: 'model' has activation");
        }

        File.WriteAllText(copy.File("config.json"), "{ not json");
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), "config.json");

        File.WriteAllBytes(copy.File("model.safetensors"), [1, 2, 3]);
        File.Copy(_dir.File("config.json"), copy.File("config.json"), overwrite: true);
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), "model.safetensors: byte 0");

        File.Delete(copy.File("model.safetensors"));
        Cli.AssertOneLineError(Cli.Run("evaluate", "--model", copy.Path), "model.safetensors: missing; ");
    }
}

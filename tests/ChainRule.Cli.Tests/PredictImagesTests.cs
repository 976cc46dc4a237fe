using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ChainRule.Cli.Tests;

// predict on people's own pictures: the 40 drawn and font digits of tests/fixtures/digits (any size, place, pen,
// polarity; made by tools/digit-images), made into inputs as MNIST was made, by a small MLP trained on the digits.
public partial class PredictImagesTests(ITestOutputHelper output, PredictImagesTests.TrainedModel trained) : IClassFixture<PredictImagesTests.TrainedModel>
{
    public sealed class TrainedModel : IDisposable
    {
        public TrainedModel()
        {
            // 96 % on the digits' test set in about 5 s (the default MLP takes a minute or more)
            Cli.Result result = Cli.Run("train", "--hidden", "512", "--epochs", "10", "--out", Directory.Path);
            Assert.True(result.ExitCode == 0, result.Error);
        }

        internal TempDirectory Directory { get; } = new();

        public void Dispose() => Directory.Dispose();
    }

    // relative paths (the tests run in the output folder) keep each "picture: what was done" line unwrapped
    private static readonly string[] s_pictures =
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fixtures", "digits"), "*.png")
            .Select(p => Path.GetRelativePath(Environment.CurrentDirectory, p)).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"([0-9])-[^/\\]*\.png: ([0-9]) \(")]
    private static partial Regex Answer();

    // The (label, answer) of every picture, read from predict's output, with the one-line descriptions.
    private (int Right, int Count, string[] Descriptions) Predict(string model, params string[] options)
    {
        Cli.Result result = Cli.Run(["predict", "--model", model, .. options, .. s_pictures]);
        Assert.True(result.ExitCode == 0, result.Error);
        MatchCollection answers = Answer().Matches(result.Output);
        Assert.Equal(s_pictures.Length, answers.Count);
        foreach (Match wrong in answers.Where(m => m.Groups[1].Value != m.Groups[2].Value))
        {
            output.WriteLine($"wrong: {wrong.Value}");
        }
        string[] descriptions = [.. s_pictures.Select(p => result.Output.Split('\n').Single(line => line.StartsWith($"{p}: ", StringComparison.Ordinal)))];
        return (answers.Count(m => m.Groups[1].Value == m.Groups[2].Value), answers.Count, descriptions);
    }

    [Fact]
    public void At_least_90_percent_of_drawn_and_font_digits_are_right()
    {
        Assert.True(s_pictures.Length >= 20, $"{s_pictures.Length} pictures in tests/fixtures/digits");
        Assert.Equal(10, s_pictures.Select(p => Path.GetFileName(p)[0]).Distinct().Count());
        string model = trained.Directory.Path;

        (int right, int count, string[] descriptions) = Predict(model);
        output.WriteLine($"mnist preprocessing: {right} of {count} right");
        Assert.All(descriptions, d => Assert.Contains(", centred by centre of mass in 28x28", d));
        Assert.Contains(descriptions, d => d.Contains("inverted (dark ink on light), cropped to the ink (", StringComparison.Ordinal));
        Assert.Contains(descriptions, d => d.Contains("light ink on dark, cropped to the ink (", StringComparison.Ordinal));
        Assert.True(right >= 0.9 * count, $"{right} of {count} right");

        // the whole picture resized, as predict did before: the digit small and off-centre, mostly wrong
        (int resized, _, string[] plain) = Predict(model, "--preprocess", "resize");
        output.WriteLine($"plain resize: {resized} of {count} right");
        Assert.All(plain, d => Assert.Matches(@"resized \d+x\d+ to 28x28$", d));
        Assert.True(resized < right, $"resized {resized}, mnist {right}");
    }

    [Fact]
    public void The_recipe_is_in_config_json_and_a_config_without_it_gets_its_data_sets()
    {
        string config = File.ReadAllText(trained.Directory.File("config.json"));
        Assert.Contains("\"preprocessing\": \"mnist\"", config);

        // a model trained before the recipe was recorded: the digits were made as MNIST, so mnist it is
        using var old = new TempDirectory();
        // the two files of such a model (no current.json: they are the model)
        foreach (string file in new[] { "model.safetensors", "config.json" })
        {
            File.Copy(trained.Directory.File(file), old.File(file));
        }
        File.WriteAllText(old.File("config.json"), config.Replace("\"preprocessing\": \"mnist\",", "", StringComparison.Ordinal));
        Assert.DoesNotContain("preprocessing", File.ReadAllText(old.File("config.json")));
        Cli.Result result = Cli.Run("predict", "--model", old.Path, s_pictures[0]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"{s_pictures[0]}: ", result.Output);
        Assert.Contains(", centred by centre of mass in 28x28", result.Output);

        Cli.AssertOneLineError(Cli.Run("predict", "--model", old.Path, "--preprocess", "none", s_pictures[0]), "with no preprocessing it must be 28x28 already");
        Cli.AssertOneLineError(Cli.Run("predict", "--model", old.Path, "--preprocess", "sharpen", s_pictures[0]), "--preprocess 'sharpen': use one of mnist, resize, none.");
        string blank = old.File("blank.pgm");
        File.WriteAllBytes(blank, [.. "P5\n40 30\n255\n"u8.ToArray(), .. Enumerable.Repeat((byte)255, 1200)]);
        Cli.AssertOneLineError(Cli.Run("predict", "--model", old.Path, blank), "blank.pgm: no ink found");
    }
}

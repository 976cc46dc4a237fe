using System.CommandLine;
using ChainRule.Data;
using ChainRule.NN;
using Spectre.Console;

namespace ChainRule.Cli.Commands;

/// <summary>chainrule predict: class probabilities for image files (PNG or PGM) or for example --index N of the test set.</summary>
public static class PredictCommand
{
    public static Command Create(ConsoleUi ui)
    {
        var model = new Option<string>("--model") { Description = "directory written by 'chainrule train'", Required = true };
        var index = new Option<int?>("--index") { Description = "predict example N of the model's test set (0-based)" };
        var preprocess = new Option<string?>("--preprocess")
        {
            Description = "how to make an image into the model's input: mnist (crop to the ink, scale into 20x20, centre by mass), "
                + "resize (the whole image to the model's size) or none; by default as the model's data set was made",
        };
        var images = new Argument<string[]>("images") { Description = "PNG or PGM images (grayscale or color, any size, dark ink on light or light on dark)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("predict", "Class probabilities for images, or for one example of the test set.") { model, index, preprocess, images };
        command.SetAction(r => Run(ui, r.GetValue(model)!, r.GetValue(index), r.GetValue(preprocess), r.GetValue(images) ?? []));
        return command;
    }

    private static int Run(ConsoleUi ui, string directory, int? index, string? preprocess, string[] images)
    {
        if (index is null == (images.Length == 0))
        {
            throw new UserException("predict: give image files, or --index N for an example of the test set (not both).");
        }
        (Sequential network, RunConfig config) = RunFiles.Load(directory);
        if (index is int i)
        {
            Dataset test = DataSources.TestSetOf(config.Data);
            if (i < 0 || i >= test.Count)
            {
                throw new UserException($"--index {i}: the test set of {test.Name} has examples 0 to {test.Count - 1}.");
            }
            Tensor x = test.Features.Select(0, i).Reshape(1, -1);
            string truth = config.Data.ClassNames is string[] names ? names[(int)test.Labels[i]] : Numbers(test.Labels.Select(0, i));
            Show(ui, network, config, x, $"{config.Data.Name} test example {i} (true: {truth})");
            return 0;
        }
        if (config.Data.ImageShape is not int[] shape)
        {
            throw new UserException($"the model in {directory} was trained on {config.Data.Name}, which is not image data; use --index N.");
        }
        // config.json files written before the recipe was recorded: the recipe of the data set by its name
        string recipe = preprocess ?? config.Data.Preprocessing ?? ImagePreprocessing.ForDataSet(config.Data.Name, images: true);
        if (!ImagePreprocessing.Recipes.Contains(recipe))
        {
            string where = preprocess is null ? $"{Path.Combine(directory, RunFiles.Config)}: preprocessing" : "--preprocess";
            throw new UserException($"{where} '{recipe}': use one of {string.Join(", ", ImagePreprocessing.Recipes)}.");
        }
        foreach (string path in images)
        {
            PreparedImage image = Images.Load(path, shape[0], shape[1], recipe);
            ui.WriteLine($"{path}: {image.Description}");
            Show(ui, network, config, image.Image.Reshape(1, -1), path);
        }
        return 0;
    }

    // A regression target or prediction as plain numbers ("0.4292" or "1.5, -2"), not a tensor's printout.
    private static string Numbers(Tensor values) =>
        string.Join(", ", values.ToDoubleArray().Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)));

    private static void Show(ConsoleUi ui, Module network, RunConfig config, Tensor x, string title)
    {
        Tensor output;
        using (Autograd.NoGrad())
        {
            output = network.Forward(x).Data;
        }
        if (config.Data.ClassNames is not string[] names)
        {
            ui.WriteLine($"{title}: predicted {Numbers(output)}");
            return;
        }
        // Probabilities: softmax of logits; an output layer that already gives probabilities is normalised instead.
        Tensor probabilities = config.OutputActivation == "none" ? Tensor.Softmax(output, 1) : output / output.Sum(1, keepDims: true);
        double[] p = probabilities.ToDoubleArray();
        int best = Array.IndexOf(p, p.Max());
        ui.Console.Write(new Rule($"{Markup.Escape(title)}: [bold]{Markup.Escape(names[best])}[/] ({Tables.Percent(p[best], 1)})").LeftJustified());
        var chart = new BarChart().Width(60);
        foreach (int c in Enumerable.Range(0, names.Length).OrderByDescending(c => p[c]))
        {
            chart.AddItem(Markup.Escape(names[c]), Math.Round(p[c] * 100, 1), c == best ? Color.Green : Color.Grey);
        }
        ui.Console.Write(chart);
    }
}

using System.CommandLine;
using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;
using ChainRule.Training;

namespace ChainRule.Cli.Commands;

/// <summary>
/// chainrule evaluate: a trained model on its test set (or on --data): accuracy, per-class precision, recall and F1,
/// and the confusion matrix, printed and drawn as confusion.png; for regression, MSE, MAE and R^2.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create(ConsoleUi ui)
    {
        var model = new Option<string?>("--model") { Description = "directory written by 'chainrule train'" };
        var onnx = new Option<string?>("--onnx") { Description = "an ONNX classifier to measure instead of --model (from 'chainrule export', PyTorch, ...): one input, one example's features; class scores out" };
        var data = new Option<string?>("--data") { Description = "data to evaluate on (default: the test set the model was trained with, digits for --onnx; a .csv file is used whole)" };
        var output = new Option<string?>("--out") { Description = "where to write confusion.png (default: the model directory, the ONNX file's for --onnx)" };
        var command = new Command("evaluate", "Measure a trained model: accuracy, per-class precision/recall/F1 and the confusion matrix.") { model, onnx, data, output };
        command.SetAction(r => (r.GetValue(model), r.GetValue(onnx)) switch
        {
            (string directory, null) => Run(ui, directory, r.GetValue(data), r.GetValue(output)),
            (null, string file) => RunOnnx(ui, file, r.GetValue(data) ?? DataSources.Default, r.GetValue(output)),
            _ => throw new UserException("evaluate: give --model DIR or --onnx FILE (one of them)."),
        });
        return command;
    }

    // An ONNX classifier on a labelled data set: each example reshaped to the graph's input, the arg-max of its output
    // taken as the class (logits, probabilities and log-probabilities alike). Standardisation is not in a graph: a CSV
    // is fed as it is.
    private static int RunOnnx(ConsoleUi ui, string path, string source, string? outputDirectory)
    {
        OnnxModule model = IO.Onnx.Load(path);
        Dataset test = source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && File.Exists(source)
            ? Csv.Load(source)
            : DataSources.Load(source, 0.2, 0).Test;
        if (test.ClassNames is not { } names)
        {
            throw new UserException($"{test.Name}: evaluate --onnx measures classifiers, and its targets are numbers.");
        }
        if (model.Inputs.Count != 1 || model.Inputs[0].Shape.Length == 0)
        {
            throw new UserException($"{path}: evaluate needs one input with a batch axis; the graph has {string.Join(", ", model.Inputs)}.");
        }
        int features = test.Features.Size / Math.Max(1, test.Count);
        int[] example = [.. model.Inputs[0].Shape[1..].Select(d => d ?? -1)];
        if (example.Count(d => d < 0) > 1 || (example.All(d => d >= 0) && example.Aggregate(1, (p, d) => p * d) != features))
        {
            throw new UserException($"{test.Name}: examples have {features} features, which do not fill the model's input {model.Inputs[0]}.");
        }
        var confusion = new ConfusionMatrix(names.Count);
        for (int start = 0; start < test.Count; start += 500)
        {
            Dataset batch = test.Subset(start, Math.Min(500, test.Count - start));
            Tensor x = batch.Features.Contiguous().Reshape([batch.Count, .. example]).To(model.Inputs[0].DType);
            Tensor scores = model.Forward(new Variable(x)).Data;
            if (scores.Rank != 2 || scores.Shape[1] != names.Count)
            {
                throw new UserException($"{path}: the output {scores.Shape} is not one score per class of {test.Name}'s {names.Count}.");
            }
            confusion.Add(batch.Labels, scores.ArgMax(1));
        }
        ui.WriteLine($"{test.Name}: {test.Count:N0} examples, ONNX model {path} (opset {model.Opset}, {model.Operators.Count} nodes)");
        ui.WriteLine($"accuracy {Tables.Percent(confusion.Accuracy, 2)} ({(long)Math.Round(confusion.Accuracy * confusion.Total)} of {confusion.Total})");
        string[] classes = [.. names];
        ui.Console.Write(Tables.PerClass(confusion, classes));
        ui.Console.Write(Tables.Confusion(confusion, classes));
        string png = Path.Combine(outputDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path))!, RunFiles.Confusion);
        AtomicFile.WriteAllBytes(png, Charts.Confusion(confusion, classes, test.Name));
        ui.WriteLine($"Saved {png}");
        return 0;
    }

    private static int Run(ConsoleUi ui, string directory, string? source, string? outputDirectory)
    {
        (Sequential network, RunConfig config) = RunFiles.Load(directory, out string folder);
        if (config.Results is { Epochs: > 0 } done && done.Epochs < config.Training.Epochs)
        {
            ui.WriteLine($"Note: {directory} holds the checkpoint of epoch {done.Epochs} of {config.Training.Epochs} ({folder}): the run is still training or was "
                + $"interrupted; 'chainrule train --resume {directory}' continues it.");
        }
        Dataset test = DataSources.TestSetOf(config.Data, source);
        CheckFits(test, config);
        if (ClassNameWarning(test, config) is string warning)
        {
            ui.WriteLine(warning);
        }
        var trainer = new Trainer(network, new Optim.Sgd(network.Parameters(), 0), LossFunctions.Create(config.Training.Loss, config.Data.ClassNames?.Length));
        Evaluation evaluation = trainer.Evaluate(test);
        ui.WriteLine($"{test.Name}: {test.Count:N0} examples, model {config.Description} from {directory}");
        if (evaluation.Confusion is not ConfusionMatrix confusion)
        {
            Regression(ui, network, test);
            return 0;
        }
        string[] names = config.Data.ClassNames!;
        ui.WriteLine($"accuracy {Tables.Percent(evaluation.Accuracy, 2)} ({(long)Math.Round(evaluation.Accuracy * confusion.Total)} of {confusion.Total}), loss {evaluation.Loss:F4}");
        ui.Console.Write(Tables.PerClass(confusion, names));
        ui.Console.Write(Tables.Confusion(confusion, names));
        string png = Path.Combine(outputDirectory ?? directory, RunFiles.Confusion);
        AtomicFile.WriteAllBytes(png, Charts.Confusion(confusion, names, test.Name));
        ui.WriteLine($"Saved {png}");
        return 0;
    }

    /// <summary>The data must match the model: feature count, and class count for classification.</summary>
    internal static void CheckFits(Dataset data, RunConfig config)
    {
        int features = data.Features.Size / Math.Max(1, data.Count);
        if (features != config.InputFeatures)
        {
            throw new UserException($"{data.Name}: examples have {features} features, but the model takes {config.InputFeatures}.");
        }
        if ((config.Data.ClassNames is null) != (data.ClassNames is null) || (data.ClassNames is not null && data.ClassNames.Count != config.Data.ClassNames!.Length))
        {
            throw new UserException($"{data.Name}: its targets ({data.ClassNames?.Count.ToString() ?? "numeric"} classes) do not match the model's ({config.Data.ClassNames?.Length.ToString() ?? "numeric"}).");
        }
    }

    /// <summary>A warning when the data's class names are not the model's (classes are then matched by position).</summary>
    internal static string? ClassNameWarning(Dataset data, RunConfig config)
    {
        if (data.ClassNames is not { } names || config.Data.ClassNames is not { } trained || names.SequenceEqual(trained))
        {
            return null;
        }
        static string Few(IEnumerable<string> n) => string.Join(", ", n.Take(4)) + (n.Count() > 4 ? ", ..." : "");
        return $"warning: {data.Name}'s classes ({Few(names)}) are not the ones the model was trained on ({Few(trained)}); they are matched by position.";
    }

    private static void Regression(ConsoleUi ui, Module network, Dataset test)
    {
        Tensor prediction;
        using (Autograd.NoGrad())
        {
            prediction = network.Forward(test.Features).Data.Reshape(test.Labels.Shape);
        }
        Tensor error = prediction - test.Labels;
        double mse = (error * error).Mean().Item();
        double mae = Tensor.Abs(error).Mean().Item();
        double variance = test.Labels.Var().Item();
        ui.WriteLine($"MSE {mse:G6}  RMSE {Math.Sqrt(mse):G6}  MAE {mae:G6}  R^2 {1 - (mse / variance):F4}");
    }
}

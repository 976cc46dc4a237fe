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
        var model = new Option<string>("--model") { Description = "directory written by 'chainrule train'", Required = true };
        var data = new Option<string?>("--data") { Description = "data to evaluate on (default: the test set the model was trained with; a .csv file is used whole)" };
        var output = new Option<string?>("--out") { Description = "where to write confusion.png (default: the model directory)" };
        var command = new Command("evaluate", "Measure a trained model: accuracy, per-class precision/recall/F1 and the confusion matrix.") { model, data, output };
        command.SetAction(r => Run(ui, r.GetValue(model)!, r.GetValue(data), r.GetValue(output)));
        return command;
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

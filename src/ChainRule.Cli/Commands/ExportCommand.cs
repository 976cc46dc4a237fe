using System.CommandLine;
using System.Globalization;
using ChainRule.IO;
using ChainRule.NN;

namespace ChainRule.Cli.Commands;

/// <summary>chainrule export: a trained model as an ONNX file (inference form, any batch size) for ONNX Runtime and other tools.</summary>
public static class ExportCommand
{
    public static Command Create(ConsoleUi ui)
    {
        var model = new Option<string>("--model") { Description = "directory written by 'chainrule train'", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "the ONNX file to write, e.g. model.onnx", Required = true };
        var softmax = new Option<bool>("--softmax") { Description = "end the graph in a softmax, so it outputs class probabilities instead of logits" };
        var logSoftmax = new Option<bool>("--log-softmax") { Description = "end the graph in a log-softmax (log-probabilities)" };
        var command = new Command("export", $"Write a trained model as an ONNX file (opset {IO.Onnx.Opset}) with a dynamic batch axis.") { model, onnx, softmax, logSoftmax };
        command.SetAction(r => Run(ui, r.GetValue(model)!, r.GetValue(onnx)!, r.GetValue(softmax), r.GetValue(logSoftmax)));
        return command;
    }

    private static int Run(ConsoleUi ui, string directory, string path, bool softmax, bool logSoftmax)
    {
        if (softmax && logSoftmax)
        {
            throw new UserException("export: give --softmax or --log-softmax, not both.");
        }
        (Sequential network, RunConfig config) = RunFiles.Load(directory);
        bool classifier = config.Data.ClassNames is not null;
        if ((softmax || logSoftmax) && (!classifier || config.OutputActivation != "none"))
        {
            throw new UserException($"export: {(softmax ? "--softmax" : "--log-softmax")} applies to a classifier's logits, but the model in {directory} "
                + (classifier ? $"already ends in {config.OutputActivation}." : "is a regression model."));
        }
        var options = new OnnxExportOptions
        {
            Output = softmax ? OnnxOutput.Softmax : logSoftmax ? OnnxOutput.LogSoftmax : OnnxOutput.Logits,
            OutputName = (classifier, config.OutputActivation) switch
            {
                (false, _) => "predictions",
                (true, "softmax") => "probabilities",
                (true, "sigmoid") => "outputs",
                _ => null, // logits, or what --softmax / --log-softmax make of them
            },
            DocString = DocString(config),
        };
        OnnxExportResult written = IO.Onnx.Export(network, [checked((int)config.InputFeatures)], path, options);
        ui.WriteLine($"Wrote {path}: {written.Nodes} nodes ({string.Join(", ", written.Operators)}), opset {written.Opset}, {Size(written.Bytes)}; "
            + $"input '{written.InputName}' (batch, {string.Join(", ", written.InputShape)}), output '{written.OutputName}' (batch, {string.Join(", ", written.OutputShape)})");
        return 0;
    }

    // What the file's reader needs to feed it and read it: the model, the data, the input's preparation, the classes.
    private static string DocString(RunConfig config)
    {
        DataConfig data = config.Data;
        string input = data.ImageShape is [int rows, int cols]
            ? $"{rows} x {cols} images flattened row by row, pixels in [0, 1] as for training"
            : $"{config.InputFeatures} features";
        string standardised = data.FeatureMean is null ? "" : " (standardised with the training set's mean and std, which are not part of the graph)";
        string classes = data.ClassNames is string[] names ? $"; classes in order: {string.Join(", ", names)}" : "";
        return $"{config.Description} trained by ChainRule on {data.Name}; input: {input}{standardised}{classes}.";
    }

    private static string Size(long bytes) => bytes < 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB");
}

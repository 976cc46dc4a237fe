using ChainRule.IO;
using ChainRule.NN;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace ChainRule.OnnxExportTests;

/// <summary>
/// Onnx.Export checked by ONNX Runtime: every model is run by both on the 2,000 test digits, and the outputs must
/// agree to 1e-4 in float32 with the same arg-max for every example (issue 12's target).
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;

    private readonly string _directory = Directory.CreateTempSubdirectory("chainrule-onnx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void An_MLP_agrees_with_ONNX_Runtime_on_the_test_set()
    {
        Sequential mlp = Mlp.Create(new MlpConfig { Hidden = [64, 32], Activation = "relu", Dropout = 0.2 }, new Generator(1));
        OnnxRuntimeCheck.TrainBriefly(mlp, steps: 60);

        OnnxExportResult written = IO.Onnx.Export(mlp, [784], Path("mlp.onnx"));

        Assert.Equal(["Gemm", "Relu"], written.Operators);
        AssertAgrees("MLP", written.Path, OnnxRuntimeCheck.Inference(mlp));
    }

    [Fact]
    public void The_comparison_notices_a_model_that_is_not_the_exported_one()
    {
        Sequential mlp = Mlp.Create(new MlpConfig { Hidden = [16] }, new Generator(7));
        OnnxExportResult written = IO.Onnx.Export(mlp, [784], Path("before.onnx"));
        var last = (Linear)mlp.Layers[^1];
        last.Bias!.Data = last.Bias.Data + 1e-3; // what the file holds is now 1e-3 away from the model

        OnnxRuntimeCheck.Agreement agreement = OnnxRuntimeCheck.Compare(written.Path, OnnxRuntimeCheck.Inference(mlp));

        Assert.InRange(agreement.MaxDifference, 0.9e-3, 1.1e-3);
    }

    [Fact]
    public void A_CNN_with_batch_norm_agrees_with_ONNX_Runtime_on_the_test_set()
    {
        Sequential cnn = Architecture.Build("conv8k3-bn-relu-pool2-conv16k3-bn-relu-pool2-fc32-relu-dropout0.3-fc10", [1, 28, 28], new Generator(2), 10);
        OnnxRuntimeCheck.TrainBriefly(cnn, steps: 20); // in training mode, so BatchNorm's running statistics move off 0 and 1
        var bn = (BatchNorm)cnn.Layers[2];
        Assert.True(bn.RunningVar.ToArray().Any(v => Math.Abs(v - 1) > 0.05), "the running variance should have left its initial 1");

        OnnxExportResult written = IO.Onnx.Export(cnn, [784], Path("cnn.onnx"));

        Assert.Equal(["Reshape", "Conv", "BatchNormalization", "Relu", "MaxPool", "Flatten", "Gemm"], written.Operators);
        AssertAgrees("BN CNN", written.Path, OnnxRuntimeCheck.Inference(cnn));
    }

    [Fact]
    public void Models_with_every_exportable_layer_agree_with_ONNX_Runtime()
    {
        var g = new Generator(3);
        Sequential maps = EveryLayer.Maps(g), sequences = EveryLayer.Sequences(g), softmaxMlp = EveryLayer.SoftmaxMlp(g);
        Type[] used = [.. new[] { maps, sequences, softmaxMlp }.SelectMany(EveryLayer.LayerTypes).Distinct()];
        Assert.Empty(IO.Onnx.ExportableLayers.Except(used));

        OnnxExportResult mapsLogitsFile = IO.Onnx.Export(maps, [784], Path("maps-logits.onnx"));
        OnnxExportResult mapsFile = IO.Onnx.Export(maps, [784], Path("maps.onnx"), new OnnxExportOptions { Output = OnnxOutput.Softmax });
        OnnxExportResult sequencesLogitsFile = IO.Onnx.Export(sequences, [784], Path("sequences-logits.onnx"));
        OnnxExportResult sequencesFile = IO.Onnx.Export(sequences, [784], Path("sequences.onnx"), new OnnxExportOptions { Output = OnnxOutput.LogSoftmax });
        OnnxExportResult softmaxFile = IO.Onnx.Export(softmaxMlp, [784], Path("softmax-mlp.onnx"));

        Func<Tensor, Tensor> mapsLogits = OnnxRuntimeCheck.Inference(maps), sequencesLogits = OnnxRuntimeCheck.Inference(sequences);
        AssertAgrees("every layer on maps", mapsLogitsFile.Path, mapsLogits);
        AssertAgrees("every layer on sequences", sequencesLogitsFile.Path, sequencesLogits);
        AssertAgrees("every layer on maps, softmax output", mapsFile.Path, x => Tensor.Softmax(mapsLogits(x), -1));
        AssertAgrees("every layer on sequences, log-softmax output", sequencesFile.Path, x => Tensor.LogSoftmax(sequencesLogits(x), -1));
        AssertAgrees("MLP ending in softmax", softmaxFile.Path, OnnxRuntimeCheck.Inference(softmaxMlp));
        Assert.Equal("probabilities", mapsFile.OutputName);
        Assert.Equal("log_probabilities", sequencesFile.OutputName);
        output.WriteLine($"operators: {string.Join(", ", new[] { mapsFile, sequencesFile, softmaxFile }.SelectMany(f => f.Operators).Distinct())}");
    }

    [Fact]
    public void The_file_names_its_input_and_output_has_a_symbolic_batch_axis_carries_the_doc_string_and_is_reproducible()
    {
        Sequential cnn = Architecture.Build("conv4k3-bn-relu-gap-fc10", [1, 28, 28], new Generator(4), 10);
        var options = new OnnxExportOptions { InputName = "pixels", OutputName = "scores", DocString = "conv4k3-bn-relu-gap-fc10 trained on digits" };

        OnnxExportResult written = IO.Onnx.Export(cnn, [784], Path("named.onnx"), options);

        Assert.True(cnn.Training, "export runs the model in evaluation mode, then restores its mode");
        Assert.Equal(File.ReadAllBytes(written.Path), File.ReadAllBytes(IO.Onnx.Export(cnn, [784], Path("again.onnx"), options).Path));
        using var session = new InferenceSession(written.Path);
        NodeMetadata input = Assert.Single(session.InputMetadata, m => m.Key == "pixels").Value;
        NodeMetadata result = Assert.Single(session.OutputMetadata, m => m.Key == "scores").Value;
        Assert.Equal([-1, 784], input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal([-1, 10], result.Dimensions);
        Assert.Equal("batch", result.SymbolicDimensions[0]);
        Assert.Equal(typeof(float), input.ElementType);
        Assert.Equal("ChainRule", session.ModelMetadata.ProducerName);
        Assert.Equal(options.DocString, session.ModelMetadata.Description);
        Assert.Equal(cnn.ToString(), session.ModelMetadata.GraphDescription);
        Assert.Equal(17, written.Opset);
        Assert.Equal([784], written.InputShape);
        Assert.Equal([10], written.OutputShape);
        Assert.Equal(new FileInfo(written.Path).Length, written.Bytes);
    }

    [Fact]
    public void A_layer_without_an_ONNX_form_is_refused_by_name_and_nothing_is_written()
    {
        var model = new Sequential(new Linear(784, 10, new Generator(5)), new Sequential(new Relu(), new Squared()));

        var error = Assert.Throws<NotSupportedException>(() => IO.Onnx.Export(model, [784], Path("refused.onnx")));

        Assert.StartsWith("ONNX export: layer 1.1 Squared (Squared) has no ONNX form; the exportable layers are Linear, Conv2d,", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void An_input_shape_that_does_not_fit_is_refused_naming_the_layer()
    {
        Sequential mlp = Mlp.Create(new MlpConfig { Hidden = [16] }, new Generator(6));

        var error = Assert.Throws<ArgumentException>(() => IO.Onnx.Export(mlp, [100], Path("refused.onnx")));

        Assert.StartsWith("ONNX export: layer 0 Linear(784 -> 16) does not take its input (batch, 100): ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Throws<ArgumentException>(() => IO.Onnx.Export(mlp, [], Path("refused.onnx")));
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void Adaptive_pooling_to_windows_of_unequal_size_is_refused()
    {
        var model = new Sequential(new Unflatten([1, 28, 28]), new AdaptiveAvgPool2d(3, 3));

        var error = Assert.Throws<NotSupportedException>(() => IO.Onnx.Export(model, [784], Path("refused.onnx")));

        Assert.Equal("ONNX export: layer 1 AdaptiveAvgPool2d(3, 3) gets 28 x 28 maps, which do not divide into 3 x 3 equal windows; ONNX has no adaptive pooling.", error.Message);
    }

    private string Path(string name) => System.IO.Path.Combine(_directory, name);

    private void AssertAgrees(string model, string path, Func<Tensor, Tensor> chainRule)
    {
        OnnxRuntimeCheck.Agreement agreement = OnnxRuntimeCheck.Compare(path, chainRule);
        output.WriteLine($"{model}: {agreement}");
        Assert.True(agreement.MaxDifference <= Tolerance, $"{model}: {agreement}");
        Assert.Equal(1.0, agreement.ArgMaxAgreement);
    }

    private sealed class Squared : Module
    {
        public override Variable Forward(Variable x) => x * x;
        public override string ToString() => "Squared";
    }
}

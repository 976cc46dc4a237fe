using ChainRule.IO;
using ChainRule.NN;

namespace ChainRule.Fuzz;

/// <summary>
/// Onnx.Load of models Onnx.Export wrote (an MLP, a CNN with BatchNorm and pooling, and a model of most layers with a
/// softmax output); a model that loads is then run once on zeros when its one input is small (a symbolic axis as 1),
/// where a node refusing the zeros (ArgumentException) is clean too.
/// </summary>
public sealed class OnnxTarget : FuzzTarget
{
    private const int MaxRunElements = 4096;

    public override string Name => "onnx";

    public override string? Names => "fuzz.onnx";

    public override IReadOnlyList<Type> Refusals => [typeof(InvalidDataException), typeof(NotSupportedException), typeof(ArgumentException)];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        var g = new Generator(5);
        (Module Model, int[] Shape, OnnxOutput Output)[] models =
        [
            (Mlp.Create(new MlpConfig { Inputs = 6, Hidden = [4], Outputs = 3, Activation = "tanh" }, g), [6], OnnxOutput.Logits),
            (Architecture.Build("conv2k3-bn-relu-pool2-fc3", [1, 6, 6], g), [1, 6, 6], OnnxOutput.LogSoftmax),
            (new Sequential(
                new Unflatten([2, 4, 4]), new Conv2d(2, 2, 3, g, padding: 1, groups: 2), BatchNorm.BatchNorm2d(2), new LeakyRelu(0.1),
                new AvgPool2d(2, stride: 1, padding: 1, countIncludePad: false), new MaxPool2d(2), new ConvTranspose2d(2, 1, 2, g, stride: 2),
                new Gelu(), new GlobalAveragePool(), new LayerNorm([1]), new Linear(1, 2, g), new Sigmoid()), [32], OnnxOutput.Softmax),
        ];
        return [.. models.Select((m, i) =>
        {
            string path = Path.Combine(directory, $"seed{i}.onnx");
            Onnx.Export(m.Model, m.Shape, path, new OnnxExportOptions { Output = m.Output });
            return File.ReadAllBytes(path);
        })];
    }

    public override void Read(byte[] input, string directory)
    {
        OnnxModule model = Onnx.Load(WriteFile(directory, "fuzz.onnx", input));
        if (model.Inputs.Count != 1)
        {
            return;
        }
        OnnxValue value = model.Inputs[0];
        int[] shape = [.. value.Shape.Select(d => d ?? 1)];
        if (shape.Aggregate(1L, (p, d) => p * d) <= MaxRunElements)
        {
            model.Run(new Dictionary<string, Tensor> { [value.Name] = Tensor.Zeros(shape, value.DType) });
        }
    }
}

/// <summary>
/// Onnx.LoadTensor (a serialized TensorProto, the .pb files of ONNX's test data): seeds encoded here field by field
/// (dims, data_type, name, raw_data / float_data / int64_data), as the protobuf wire format lays them out.
/// </summary>
public sealed class OnnxTensorTarget : FuzzTarget
{
    public override string Name => "onnx-tensor";

    public override string? Names => "fuzz.pb";

    public override IReadOnlyList<Type> Refusals => [typeof(InvalidDataException), typeof(NotSupportedException)];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory)
    {
        byte[] raw = [.. Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes(i * 0.5f))];
        byte[] floats = [.. Enumerable.Range(0, 4).SelectMany(i => BitConverter.GetBytes(1f - i))];
        return
        [
            [0x08, 2, 0x08, 3, 0x10, 1, 0x42, 1, (byte)'x', 0x4A, (byte)raw.Length, .. raw],  // float32 (2, 3) as raw_data
            [0x08, 4, 0x10, 1, 0x22, (byte)floats.Length, .. floats],                       // float32 (4) as packed float_data
            [0x08, 3, 0x10, 7, 0x3A, 4, 5, 0x7F, 0x80, 0x01],                              // int64 (3) as packed int64_data
            [0x10, 1, 0x4A, 4, .. BitConverter.GetBytes(2.5f)],                           // a float32 scalar
        ];
    }

    public override void Read(byte[] input, string directory) => Onnx.LoadTensor(WriteFile(directory, "fuzz.pb", input));
}

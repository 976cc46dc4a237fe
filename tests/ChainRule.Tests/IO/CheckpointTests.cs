using ChainRule.IO;
using ChainRule.NN;

namespace ChainRule.Tests.IO;

public class CheckpointTests
{
    private static Sequential Model(ulong seed, int hidden = 5) =>
        Mlp.Create(new MlpConfig { Inputs = 4, Hidden = [hidden], Outputs = 3 }, new Generator(seed));

    [Fact]
    public void Round_trip_restores_every_parameter_bit_for_bit()
    {
        using var dir = new TempDirectory();
        Sequential saved = Model(1), restored = Model(2);
        Checkpoint.Save(saved, dir.File("model.safetensors"), new Dictionary<string, string> { ["format"] = "test" });
        Checkpoint.Load(restored, dir.File("model.safetensors"));
        foreach (((string name, Parameter a), (_, Parameter b)) in saved.NamedParameters().Zip(restored.NamedParameters()))
        {
            Assert.Equal(a.Data.ToArray().Select(BitConverter.SingleToInt32Bits), b.Data.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], Safetensors.ReadHeader(dir.File("model.safetensors")).Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Loading_into_a_different_model_lists_every_difference_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        Checkpoint.Save(Model(1, hidden: 5), dir.File("model.safetensors"));
        Sequential other = Model(2, hidden: 6);
        float[] before = other.Parameters().First().Data.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(other, dir.File("model.safetensors")));
        Assert.Contains("'0.weight' has shape (5, 4) in the file but (6, 4) in the model", error.Message);
        Assert.Contains("'2.weight' has shape (3, 5) in the file but (3, 6) in the model", error.Message);
        Assert.Contains("model.safetensors", error.Message);
        Assert.Equal(before, other.Parameters().First().Data.ToArray());

        var deeper = Mlp.Create(new MlpConfig { Inputs = 4, Hidden = [5, 5], Outputs = 3 }, new Generator(3));
        var missing = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(deeper, dir.File("model.safetensors")));
        Assert.Contains("missing '4.weight'", missing.Message);
    }
}

using ChainRule.Data;
using ChainRule.IO;
using ChainRule.NN;

namespace ChainRule.Tests.NN;

// Architecture specs: the layers and PyTorch-style names they build, parameter counts without building,
// errors that name the token, and checkpoints that carry their own architecture. Augmentation: shifts and flips
// as defined, reproducible, and independent of the shuffle.
public class ArchitectureTests
{
    [Fact]
    public void The_default_cnn_is_the_422k_parameter_two_convolution_network()
    {
        string spec = Architecture.DefaultCnn(10);
        Sequential net = Architecture.Build(spec, [1, 28, 28], new Generator(1), outputs: 10);
        // conv 1->32: 320, bn 64, conv 32->64: 18,496, bn 128, fc 3136->128: 401,536, fc 128->10: 1,290
        Assert.Equal(421_834, net.Parameters().Sum(p => (long)p.Data.Size));
        Assert.Equal(421_834, Architecture.ParameterCount(spec, [1, 28, 28]));
        string[] names = [.. net.StateTensors().Select(t => t.Name)];
        Assert.Equal(["1.weight", "1.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked"], names[..7]);
        // Unflatten 0, conv 1, bn 2, relu 3, pool 4, conv 5, bn 6, relu 7, pool 8, Flatten 9, fc 10, relu 11, dropout 12, fc 13
        Assert.Equal(["10.weight", "10.bias", "13.weight", "13.bias"], names[^4..]);
        Assert.Equal(new Shape(128, 3136), ((Linear)net.Layers[10]).Weight.Shape);
        Assert.IsType<Flatten>(net.Layers[9]);
        Variable y = net.Forward(Tensor.RandomNormal([3, 784], 0, 1, new Generator(2)));
        Assert.Equal(new Shape(3, 10), y.Shape);
        // PyTorch's default initializations: fc and conv weights and biases within +-1 / sqrt(fan_in), bn 1 and 0
        var fc = (Linear)net.Layers[10];
        Assert.InRange(Tensor.Abs(fc.Weight.Data).Max().Item(), 0.99 / Math.Sqrt(3136), 1 / Math.Sqrt(3136));
        Assert.InRange(Tensor.Abs(fc.Bias!.Data).Max().Item(), 0.9 / Math.Sqrt(3136), 1 / Math.Sqrt(3136));
        Assert.InRange(Tensor.Abs(((Conv2d)net.Layers[5]).Bias!.Data).Max().Item(), 0.9 / Math.Sqrt(32 * 9), 1 / Math.Sqrt(32 * 9));
        var bn = (BatchNorm)net.Layers[2];
        Assert.All(bn.Weight!.Data.ToArray(), w => Assert.Equal(1f, w));
        Assert.All(bn.Bias!.Data.ToArray(), b => Assert.Equal(0f, b));
    }

    [Theory]
    [InlineData("conv8k5s2p0-relu-avgpool2s1-gap-fc3", new[] { 3, 17, 15 })]
    [InlineData("conv6k3d2g3-bn-leakyrelu-maxpool3-dropout2d0.1-flatten-ln-fc4", new[] { 3, 12, 12 })]
    [InlineData("fc16-bn-tanh-dropout0.5-fc16-sigmoid-gelu-fc4", new[] { 20 })]
    public void Parameter_counts_match_what_is_built(string spec, int[] shape)
    {
        Sequential net = Architecture.Build(spec, shape, new Generator(3), outputs: spec.EndsWith("fc3", StringComparison.Ordinal) ? 3 : 4);
        Assert.Equal(net.Parameters().Sum(p => (long)p.Data.Size), Architecture.ParameterCount(spec, shape));
        Variable y = net.Forward(Tensor.RandomNormal([2, .. shape], 0, 1, new Generator(4)));
        Assert.Equal(2, y.Shape[0]);
    }

    [Theory]
    [InlineData("conv4k3-pool2-fc10", new[] { 5 }, "token 1 'conv4k3' is a convolution, but its input is already flat (5 features)")]
    [InlineData("conv4k3g3-fc10", new[] { 1, 8, 8 }, "token 1 'conv4k3g3' has 3 groups, which must divide both its 1 input and 4 output channels")]
    [InlineData("gap-gap", new[] { 2, 4, 4 }, "token 2 'gap' averages maps, but its input is already flat (2 features)")]
    [InlineData("conv2000000k3", new[] { 1, 4, 4 }, "token 1 'conv2000000k3' has c = 2000000, which must be a whole number from 1 to 1048576")]
    // dilation x (kernel - 1) passes int.MaxValue: once a negative receptive field that was accepted (found by tests/ChainRule.Fuzz)
    [InlineData("conv4k4096d1048576-fc10", new[] { 1, 28, 28 }, "token 1 'conv4k4096d1048576' has a 4293918721 x 4293918721 receptive field")]
    [InlineData("fc1048576-fc1048576", new[] { 4 }, null)] // parses; only counting, never built here
    public void Bad_tokens_are_named(string spec, int[] shape, string? expected)
    {
        if (expected is null)
        {
            Assert.Equal((5L * 1048576) + (1048577L * 1048576), Architecture.ParameterCount(spec, shape));
            return;
        }
        FormatException e = Assert.Throws<FormatException>(() => Architecture.ParameterCount(spec, shape));
        Assert.Contains(expected, e.Message);
        Assert.Contains($"architecture '{spec}'", e.Message);
    }

    [Fact]
    public void A_checkpoint_carries_its_architecture()
    {
        using var dir = new TempDirectory();
        const string spec = "conv3k3-bn-relu-pool2-fc5";
        Sequential net = Architecture.Build(spec, [2, 6, 6], new Generator(5), outputs: 5);
        // a training step moves the running statistics away from their initial values
        net.Forward(Tensor.RandomNormal([4, 2, 6, 6], 1, 2, new Generator(6)));
        net.Eval();
        string path = dir.File("net.safetensors");
        Checkpoint.Save(net, path, spec, [2, 6, 6]);
        Sequential loaded = Checkpoint.LoadNetwork(path);
        Tensor x = Tensor.RandomNormal([3, 2, 6, 6], 0, 1, new Generator(7));
        Assert.Equal(net.Forward(x).Data.ToArray(), loaded.Forward(x).Data.ToArray());
        Assert.False(loaded.Training);

        // without the metadata, or with a spec that claims more than the file holds: refused before building
        Checkpoint.Save(net, dir.File("plain.safetensors"));
        Assert.Contains("no 'architecture'", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadNetwork(dir.File("plain.safetensors"))).Message);
        Checkpoint.Save(net, dir.File("edited.safetensors"), "conv3k3-bn-relu-pool2-fc1000000-fc5", [2, 6, 6]);
        Assert.Contains("parameters, but the file holds", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadNetwork(dir.File("edited.safetensors"))).Message);
        Checkpoint.Save(net, dir.File("broken.safetensors"), "conv3k3-bn-relux", [2, 6, 6]);
        Assert.Contains("token 3 'relux'", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadNetwork(dir.File("broken.safetensors"))).Message);
    }

    [Fact]
    public void Shifts_and_flips_move_pixels_as_drawn()
    {
        // one 1 x 3 x 4 image, values 1..12; shifts of up to 1 pixel
        Tensor image = Tensor.FromArray(Enumerable.Range(1, 12).Select(v => (float)v).ToArray(), [1, 12]);
        var augmentation = new Augmentation(1, 3, 4, maxShift: 1, horizontalFlip: true);
        var seen = new HashSet<string>();
        for (ulong seed = 0; seed < 200; seed++)
        {
            var replay = new Generator(seed);
            int dy = replay.NextInt(3) - 1, dx = replay.NextInt(3) - 1;
            bool flip = replay.NextInt(2) == 1;
            float[] result = augmentation.Apply(image, new Generator(seed)).ToArray();
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 4; x++)
                {
                    int sy = y - dy, sx = x - dx;
                    float expected = sy is < 0 or >= 3 || sx is < 0 or >= 4 ? 0 : 1 + (sy * 4) + (flip ? 3 - sx : sx);
                    Assert.Equal(expected, result[(y * 4) + x]);
                }
            }
            seen.Add($"{dy},{dx},{flip}");
        }
        Assert.Equal(18, seen.Count); // every shift, with and without the mirror
        Assert.Throws<ArgumentException>(() => augmentation.Apply(Tensor.Zeros([2, 11]), new Generator(0)));
    }

    [Fact]
    public void The_loader_augments_reproducibly_without_changing_the_order()
    {
        (Dataset train, _) = Mnist.Digits();
        var plain = new DataLoader(train, 100, shuffle: true, seed: 3);
        var shifted = new DataLoader(train, 100, shuffle: true, seed: 3, augmentation: new Augmentation(1, 28, 28));
        var again = new DataLoader(train, 100, shuffle: true, seed: 3, augmentation: new Augmentation(1, 28, 28));
        (Tensor X, Tensor Y) a = plain.Batches(2).First(), b = shifted.Batches(2).First(), c = again.Batches(2).First();
        Assert.Equal(a.Y.ToArray<long>(), b.Y.ToArray<long>());
        Assert.Equal(b.X.ToArray(), c.X.ToArray());
        Assert.NotEqual(a.X.ToArray(), b.X.ToArray());
        // a shift keeps the ink (a digit has a margin of at least 2 blank pixels in MNIST): the sum barely changes
        Assert.Equal(a.X.Sum().Item(), b.X.Sum().Item(), a.X.Sum().Item() * 0.05);
        Assert.NotEqual(shifted.Batches(2).First().X.ToArray(), shifted.Batches(3).First().X.ToArray());
    }

    [Fact]
    public void A_long_spec_is_read_in_linear_memory()
    {
        // each token's error message once held the whole spec, made whether or not there was an error: 5,000 tokens
        // of a 30 KB spec allocated 360 MB (found by tests/ChainRule.Fuzz)
        string spec = "fc8-" + string.Concat(Enumerable.Repeat("relu-dropout0.3-", 2500)) + "fc10";
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal((785L * 8) + (9 * 10), Architecture.ParameterCount(spec, [784]));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 20L << 20);

        // a token of 100,000 digits is refused by its length before a pattern backtracks over it (it took 22 s)
        string digits = "fc8-dropout0." + new string('9', 100_000) + "x-fc10";
        FormatException e = Assert.Throws<FormatException>(() => Architecture.ParameterCount(digits, [784]));
        Assert.Contains("token 2 'dropout0.999", e.Message);
        Assert.Contains("is 100,010 characters long; a token has at most 64.", e.Message);
    }

    [Fact]
    public void Mutated_specs_give_only_the_documented_exception()
    {
        // seeded mutations of real specs: characters replaced, inserted, deleted, tokens duplicated; the reader
        // counts parameters without allocating, so a mutated huge layer costs nothing
        string[] seeds = [Architecture.DefaultCnn(10), "conv8k5s2p0d1g1-relu-avgpool2s1-gap-fc3", "fc16-bn-tanh-dropout0.5-ln-fc4", "conv6k3d2g3-maxpool3-dropout2d0.1-flatten-fc4"];
        const string alphabet = "convkspdgfcbnlreuaxmtih0123456789.-";
        var random = new Random(11);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            char[] spec = seeds[i % seeds.Length].ToCharArray();
            var text = new System.Text.StringBuilder(new string(spec));
            for (int m = random.Next(1, 4); m > 0; m--)
            {
                int at = random.Next(text.Length + 1);
                switch (random.Next(4))
                {
                    case 0 when at < text.Length: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                    case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    case 2 when at < text.Length: text.Remove(at, 1); break;
                    default: text.Append('-').Append(text.ToString().Split('-')[random.Next(text.ToString().Split('-').Length)]); break;
                }
            }
            try
            {
                Assert.True(Architecture.ParameterCount(text.ToString(), [3, 28, 28]) >= 0);
                accepted++;
            }
            catch (FormatException e)
            {
                Assert.StartsWith("architecture '", e.Message);
            }
        }
        Assert.InRange(accepted, 100, 19_900); // both sides of the grammar were exercised
    }
}

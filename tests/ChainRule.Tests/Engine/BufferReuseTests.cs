using ChainRule.NN;
using ChainRule.Optim;

namespace ChainRule.Tests.Engine;

// The engine recycles gradient buffers it can prove no one else sees (Backprop's rule, TensorPool).
// These tests hold it to that: recycling must never change a number, and a gradient the user read is theirs.
public class BufferReuseTests
{
    private static (Sequential Model, Sgd Optimizer, Tensor X, Tensor Y) Setup()
    {
        var g = new Generator(5);
        var model = new Sequential(new Linear(300, 64, g, InitScheme.He), new Relu(), new Linear(64, 10, g));
        var optimizer = new Sgd(model.Parameters(), 0.1, momentum: 0.9);
        Tensor x = Tensor.RandomNormal([32, 300], 0, 1, g);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (long)(i % 10)).ToArray());
        return (model, optimizer, x, y);
    }

    private static float[] Train(bool readGradients, int steps = 6)
    {
        (Sequential model, Sgd optimizer, Tensor x, Tensor y) = Setup();
        for (int step = 0; step < steps; step++)
        {
            optimizer.ZeroGrad();
            Losses.SoftmaxCrossEntropy(model.Forward(x), y).Backward();
            if (readGradients)
            {
                foreach (Parameter p in model.Parameters())
                {
                    _ = p.Grad; // reading a gradient opts it out of recycling
                }
            }
            optimizer.Step();
        }
        return model.Parameters().SelectMany(p => p.Data.ToArray()).ToArray();
    }

    [Fact]
    public void Recycling_changes_no_number()
    {
        // With every gradient read by "user code", nothing is recycled; without, buffers are reused each step.
        Assert.Equal(Train(readGradients: true), Train(readGradients: false));
    }

    [Fact]
    public void A_gradient_the_user_read_is_never_overwritten_by_later_steps()
    {
        (Sequential model, Sgd optimizer, Tensor x, Tensor y) = Setup();
        Parameter weight = model.Parameters().First();
        Losses.SoftmaxCrossEntropy(model.Forward(x), y).Backward();
        Variable kept = weight.Grad!;
        float[] snapshot = kept.Data.ToArray();
        for (int step = 0; step < 5; step++)
        {
            optimizer.Step();
            optimizer.ZeroGrad();
            Losses.SoftmaxCrossEntropy(model.Forward(x), y).Backward();
        }
        Assert.Equal(snapshot, kept.Data.ToArray());
    }

    [Fact]
    public void A_gradient_shared_by_two_leaves_survives_clearing_one()
    {
        var a = new Variable(Tensor.RandomNormal([100, 100], 0, 1, new Generator(1)));
        var b = new Variable(Tensor.RandomNormal([100, 100], 0, 1, new Generator(2)));
        Variable s = a + b;
        F.Sum(s * s).Backward(); // Add sends the same gradient to a and b
        float[] expected = (2 * (a.Data + b.Data)).ToArray();
        a.ClearGrad();
        Tensor.Uninitialized(new Shape(100, 100), DType.Float32).AsSpan<float>().Fill(-1); // would reuse a recycled buffer
        Assert.Equal(expected, b.Grad!.Data.ToArray(), new Tolerance(1e-4));
    }

    // A reshape to the same shape returns memory its input owns; none of these may let the pool reuse it.
    [Fact]
    public void An_op_that_returns_its_input_memory_never_frees_that_memory()
    {
        var x = new Variable(Tensor.Ones([5000]));
        var seed = new Variable(Tensor.Full([5000], 7), requiresGrad: false);
        F.Flatten(x).Backward(seed);
        x.ClearGrad();
        Tensor.Uninitialized(new Shape(5000), DType.Float32).AsSpan<float>().Fill(3);
        Assert.All(seed.Data.ToArray(), v => Assert.Equal(7f, v));

        var x2 = new Variable(Tensor.Ones([5000]));
        Variable y = F.Reshape(x2, 5000);
        y.RetainGrad();
        F.Sum(y * 2).Backward();
        Variable g = y.Grad!;
        x2.ClearGrad();
        Tensor.Uninitialized(new Shape(5000), DType.Float32).AsSpan<float>().Fill(3);
        Assert.All(g.Data.ToArray(), v => Assert.Equal(2f, v));

        var x3 = new Variable(Tensor.Ones([5000]));
        var seed3 = new Variable(Tensor.Full([5000], 7), requiresGrad: false);
        ((x3 * 1) + F.Flatten(x3)).Backward(seed3);
        Tensor.Uninitialized(new Shape(5000), DType.Float32).AsSpan<float>().Fill(3);
        Assert.All(seed3.Data.ToArray(), v => Assert.Equal(7f, v));
        Assert.All(x3.Grad!.Data.ToArray(), v => Assert.Equal(14f, v));
    }
}

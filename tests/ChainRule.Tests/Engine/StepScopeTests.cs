using ChainRule.Data;
using ChainRule.NN;
using ChainRule.Optim;
using ChainRule.Training;

namespace ChainRule.Tests.Engine;

// A StepScope recycles what a training step computed. These tests hold it to its rule: recycling changes no number,
// a recycled tensor can never be read (it throws, never shows another step's values), and what outlives the step —
// gradients, kept tensors, clones, new parameter values — stays valid.
public class StepScopeTests
{
    // The large activations here have at least TensorPool.MinElements (1,024) elements, so the scope pools them.
    private const int Batch = 32;

    private static (Module Model, Optimizer Optimizer, Tensor X, Tensor Y) Mlp(ulong seed)
    {
        var g = new Generator(seed);
        var model = new Sequential(
            new Linear(784, 256, g, InitScheme.He), new Relu(), new Dropout(0.3, new Generator(seed + 1)),
            new Linear(256, 128, g, InitScheme.He), new Relu(), new Linear(128, 10, g));
        var optimizer = new Adam(model.Parameters(), 1e-3);
        return (model, optimizer, Tensor.RandomNormal([Batch, 784], 0, 1, g), Labels(Batch));
    }

    private static (Module Model, Optimizer Optimizer, Tensor X, Tensor Y) Cnn(ulong seed)
    {
        var g = new Generator(seed);
        var model = new Sequential(
            new Conv2d(1, 8, 3, g, padding: 1), BatchNorm.BatchNorm2d(8), new Relu(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, g, padding: 1), BatchNorm.BatchNorm2d(16), new Relu(), new MaxPool2d(2),
            new Flatten(), new Linear(16 * 7 * 7, 10, g));
        var optimizer = new Sgd(model.Parameters(), 0.05, momentum: 0.9);
        return (model, optimizer, Tensor.RandomNormal([Batch, 1, 28, 28], 0, 1, g), Labels(Batch));
    }

    private static Tensor Labels(int n) => Tensor.FromArray(Enumerable.Range(0, n).Select(i => (long)(i % 10)).ToArray());

    private static double[] Train(Func<ulong, (Module, Optimizer, Tensor, Tensor)> build, bool scoped, int steps = 5)
    {
        (Module model, Optimizer optimizer, Tensor x, Tensor y) = build(7);
        for (int step = 0; step < steps; step++)
        {
            StepScope? scope = scoped ? new StepScope() : null;
            optimizer.ZeroGrad();
            Variable loss = Losses.SoftmaxCrossEntropy(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            if (scoped)
            {
                Assert.True(scope!.Count > 0, "the step's activations should be in the scope");
            }
            scope?.Dispose();
        }
        return [.. model.Parameters().SelectMany(p => p.Data.ToDoubleArray()), .. model.NamedBuffers().SelectMany(b => b.Buffer.ToDoubleArray())];
    }

    [Fact]
    public void Recycling_an_mlp_step_changes_no_number()
    {
        Assert.Equal(Train(Mlp, scoped: false), Train(Mlp, scoped: true));
    }

    [Fact]
    public void Recycling_a_cnn_step_with_batch_norm_changes_no_number()
    {
        Assert.Equal(Train(Cnn, scoped: false), Train(Cnn, scoped: true));
    }

    [Fact]
    public void The_next_step_reuses_the_memory_of_the_last()
    {
        Tensor a = Tensor.Ones([4099]); // a size no other test uses, so no one else takes the buffer from the pool
        Array first;
        using (new StepScope())
        {
            first = (a * 2).Buffer;
        }
        using (new StepScope())
        {
            Tensor second = a * 3;
            Assert.Same(first, second.Buffer);
            Assert.Equal(3 * 4099, second.Sum().Item());
        }
        Tensor outside = a * 4; // no scope: nothing returns it, but it still rents what the last scope gave back
        Assert.Same(first, outside.Buffer);
        Tensor another = a * 5;
        Assert.NotSame(first, another.Buffer);
    }

    [Fact]
    public void A_recycled_tensor_throws_instead_of_showing_another_steps_numbers()
    {
        var g = new Generator(3);
        var layer = new Linear(784, 256, g); // its output, 32 x 256, is pooled
        Tensor x = Tensor.RandomNormal([Batch, 784], 0, 1, g);
        Variable output, loss;
        Tensor viewInside;
        using (new StepScope())
        {
            output = layer.Forward(x);
            loss = F.Sum(output * output);
            viewInside = output.Data.Transpose();
        }
        using (new StepScope())
        {
            _ = layer.Forward(x); // takes the recycled buffer
        }
        var e = Assert.Throws<RecycledTensorException>(() => output.Data.ToArray());
        Assert.Contains($"shape {output.Shape}", e.Message);
        Assert.Contains("step.Keep(tensor)", e.Message);
        Assert.Throws<RecycledTensorException>(() => viewInside.ToArray()); // a view made inside the step
        Assert.Throws<RecycledTensorException>(() => output.Data.Reshape(-1)); // a view made after it
        Assert.Throws<RecycledTensorException>(() => output.Data[0, 0]);
        Assert.Throws<RecycledTensorException>(() => output.Data[0, 0] = 1);
        Assert.Throws<RecycledTensorException>(() => output.Data + 1);
        Assert.Throws<RecycledTensorException>(() => Tensor.MatMul(output.Data, Tensor.Ones([256, 4])));
        Assert.Throws<RecycledTensorException>(() => output.Data.Sum());
        using (var late = new StepScope())
        {
            Assert.Throws<RecycledTensorException>(() => late.Keep(output.Data)); // too late to keep
        }
        // a scalar is below the pool's size: the loss value stays readable
        Assert.True(double.IsFinite(loss.Item()));
    }

    [Fact]
    public void Kept_cloned_and_assigned_tensors_outlive_the_step()
    {
        (Module model, _, Tensor x, Tensor y) = Mlp(3);
        Tensor kept, clone, viewOfKept;
        var holder = new Variable(Tensor.Zeros([1]), requiresGrad: false);
        float[] expected;
        using (var step = new StepScope())
        {
            Variable output = model.Forward(x);
            expected = output.Data.ToArray();
            kept = step.Keep(output.Data * 2).Transpose(); // the view's lease is the kept tensor's
            viewOfKept = kept.Transpose();
            clone = output.Data.Clone();
            holder.Data = output.Data + 0; // a parameter's new value, as an optimizer or a user assigns it
        }
        for (int i = 0; i < 3; i++)
        {
            using (new StepScope())
            {
                Losses.SoftmaxCrossEntropy(model.Forward(x), y).Backward(); // overwrites whatever was recycled
            }
        }
        Assert.Equal(expected, clone.ToArray());
        Assert.Equal(expected, holder.Data.ToArray());
        Assert.Equal(expected.Select(v => v * 2).ToArray(), viewOfKept.ToArray());
    }

    [Fact]
    public void Gradients_stored_by_backward_outlive_the_step_and_are_still_recycled_by_zero_grad()
    {
        (Module model, Optimizer optimizer, Tensor x, Tensor y) = Mlp(3);
        Parameter weight = model.Parameters().First();
        float[] inside;
        using (new StepScope())
        {
            Losses.SoftmaxCrossEntropy(model.Forward(x), y).Backward();
            inside = weight.Grad!.Data.ToArray();
        }
        using (new StepScope())
        {
            _ = model.Forward(x);
        }
        Assert.Equal(inside, weight.Grad!.Data.ToArray());
        optimizer.Step();
        optimizer.ZeroGrad();
        Assert.Null(weight.Grad);
    }

    [Fact]
    public void The_pool_never_gives_one_buffer_to_two_live_tensors()
    {
        Tensor a = Tensor.RandomNormal([64, 64], 0, 1, new Generator(1)); // 4096 elements: pooled (TensorPool.MinElements is 1,024)
        var live = new List<Tensor>();
        for (int round = 0; round < 4; round++)
        {
            using var step = new StepScope();
            var made = new List<Tensor>();
            for (int i = 0; i < 12; i++)
            {
                made.Add(a * (i + 1));
            }
            live.Add(step.Keep(made[round])); // one per round survives; the pool must never hand it out again
            var buffers = made.Select(t => t.Buffer).Concat(live.Select(t => t.Buffer)).ToList();
            Assert.Equal(buffers.Count - 1, buffers.Distinct().Count()); // made[round] is in both lists once
        }
        for (int round = 0; round < 4; round++)
        {
            Assert.Equal((a * (round + 1)).ToArray(), live[round].ToArray());
        }
    }

    [Fact]
    public void A_steady_state_mlp_step_allocates_less_than_64_kib()
    {
        // Odd sizes (batch 61, 777-253-10) that no other test uses, so no concurrent test takes this run's buffers from
        // the pool. Managed bytes allocated on this thread: a count, not a time.
        var g = new Generator(2);
        var model = new Sequential(new Linear(777, 253, g, InitScheme.He), new Relu(), new Linear(253, 10, g));
        var optimizer = new Sgd(model.Parameters(), 0.01, momentum: 0.9);
        Tensor images = Tensor.RandomNormal([61 * 4, 777], 0, 1, g);
        Tensor labels = Tensor.FromArray(Enumerable.Range(0, 61 * 4).Select(i => (long)(i % 10)).ToArray());
        Tensor[] index = [.. Enumerable.Range(0, 4).Select(b => Tensor.FromArray(Enumerable.Range(b * 61, 61).Select(i => (long)i).ToArray()))];
        void Step(int s)
        {
            using var step = new StepScope();
            Tensor x = images.Take(index[s % 4], 0), y = labels.Take(index[s % 4], 0);
            optimizer.ZeroGrad();
            Variable loss = Losses.SoftmaxCrossEntropy(model.Forward(x), y);
            loss.Backward();
            optimizer.Step();
            Assert.True(double.IsFinite(loss.Item()));
        }
        for (int s = 0; s < 5; s++)
        {
            Step(s);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int Steps = 20;
        for (int s = 0; s < Steps; s++)
        {
            Step(s);
        }
        double perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Steps;
        Assert.True(perStep < 64 * 1024, $"{perStep / 1024:F1} KiB allocated per step");
    }

    [Fact]
    public void Small_tensors_are_left_to_the_garbage_collector()
    {
        Tensor small;
        using (var step = new StepScope())
        {
            small = Tensor.Ones([10, 10]) * 3;
            Assert.Equal(0, step.Count);
        }
        Assert.Equal(300, small.Sum().Item());
    }

    [Fact]
    public void Scopes_nest_and_must_end_in_order_on_their_own_thread()
    {
        Tensor a = Tensor.Ones([64, 64]);
        var outer = new StepScope();
        Tensor inOuter = a * 2;
        Tensor inInner;
        using (var inner = new StepScope())
        {
            inInner = a * 3;
            Assert.Equal(1, inner.Count);
        }
        Assert.Throws<RecycledTensorException>(() => inInner.ToArray());
        Assert.Equal(2 * 4096, inOuter.Sum().Item()); // the outer scope is still open

        var inner2 = new StepScope();
        var e = Assert.Throws<InvalidOperationException>(outer.Dispose);
        Assert.Contains("reverse order", e.Message);
        Exception? fromOtherThread = null;
        var thread = new Thread(() => fromOtherThread = Record.Exception(inner2.Dispose));
        thread.Start();
        thread.Join();
        Assert.Contains("thread that opened it", fromOtherThread?.Message);
        inner2.Dispose();
        outer.Dispose();
        outer.Dispose(); // twice is harmless
        Assert.Throws<RecycledTensorException>(() => inOuter.ToArray());
    }

    [Fact]
    public void The_trainer_recycles_each_step_and_leaves_a_usable_model()
    {
        var g = new Generator(11);
        Tensor features = Tensor.RandomNormal([256, 784], 0, 1, g);
        Tensor labels = Tensor.FromArray(Enumerable.Range(0, 256).Select(i => (long)(i % 10)).ToArray());
        var data = new Dataset("random", features, labels, [.. Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        (Module model, Optimizer optimizer, _, _) = Mlp(5);
        var trainer = new Trainer(model, optimizer, (output, target) => Losses.SoftmaxCrossEntropy(output, target));
        IReadOnlyList<EpochResult> results = trainer.Fit(data, data, epochs: 2, batchSize: Batch, seed: 1);
        Assert.All(results, r => Assert.True(double.IsFinite(r.TrainLoss)));
        Assert.All(model.Parameters(), p => Assert.True(p.Grad is null || p.Grad.Data.IsFinite()));
        using (Autograd.NoGrad())
        {
            Assert.Equal(new Shape(256, 10), model.Forward(features).Data.Shape);
        }
    }
}

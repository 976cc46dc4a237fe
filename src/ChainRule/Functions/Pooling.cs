using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule.Functions;

// Pooling over (N, C, H, W). Max pooling routes each output to one input element (its window's first maximum),
// so its gradient is a scatter to those positions and the scatter's gradient a gather from them; average pooling
// is linear, and its adjoint spreads each output's gradient over its window. Each pair is the other's gradient.

/// <summary>y = max over each window (padding is -inf). gx = gy scattered to the arg-max positions (ties: the first in row-major order).</summary>
internal sealed class MaxPool2d(PoolAxis rows, PoolAxis cols) : Function
{
    private Tensor? _argmax; // Int32, one position per output: as long-lived as the graph (and recycled with its step)

    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        Tensor input = FloatInput(x[0], "max_pool2d");
        (int planes, int h, int w) = (input.Shape[0] * input.Shape[1], input.Shape[2], input.Shape[3]);
        var outputShape = new Shape(input.Shape[0], input.Shape[1], rows.Length, cols.Length);
        Tensor y = Tensor.Uninitialized(outputShape, input.DType); // every window has a real element: every output is written
        // without a graph the positions are scratch: a pooled array, not a new one of one int per output
        int[]? scratch = KeepsState ? null : System.Buffers.ArrayPool<int>.Shared.Rent(y.Size);
        Tensor? argmax = KeepsState ? Tensor.Uninitialized(outputShape, DType.Int32) : null;
        Span<int> positions = argmax is null ? scratch.AsSpan(0, y.Size) : argmax.AsSpan<int>();
        if (input.DType == DType.Float32)
        {
            Pooling.Max<float>(input.AsSpan<float>(), planes, h, w, rows, cols, y.AsSpan<float>(), positions);
        }
        else
        {
            Pooling.Max<double>(input.AsSpan<double>(), planes, h, w, rows, cols, y.AsSpan<double>(), positions);
        }
        _argmax = argmax;
        if (scratch is not null)
        {
            System.Buffers.ArrayPool<int>.Shared.Return(scratch);
        }
        return y;
    }

    protected internal override Variable?[] Backward(Variable gy) => [new PlaneScatter(_argmax!, Inputs[0].Shape).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) =>
        new PlaneGather(_argmax!, new Shape(Inputs[0].Shape[0], Inputs[0].Shape[1], rows.Length, cols.Length)).Apply(dx);

    internal static Tensor FloatInput(Tensor x, string op) => x.Rank == 4 && x.DType.IsFloatingPoint() ? x.Contiguous()
        : throw new ArgumentException($"{op}: input {x.Shape} {x.DType.Name()} must be a floating-point (N, C, H, W) tensor.");
}

/// <summary>dx[plane p, positions[o]] += g[o] for every output o of plane p: the adjoint of <see cref="PlaneGather"/>.</summary>
internal sealed class PlaneScatter(Tensor positions, Shape inputShape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        Tensor g = x[0].Contiguous();
        Tensor dx = Tensor.Uninitialized(inputShape, g.DType); // every plane is cleared by its task
        if (g.DType == DType.Float32)
        {
            Run<float>(g.AsSpan<float>(), dx.AsSpan<float>());
        }
        else
        {
            Run<double>(g.AsSpan<double>(), dx.AsSpan<double>());
        }
        return dx;
    }

    protected internal override Variable?[] Backward(Variable gy) => [new PlaneGather(positions, Inputs[0].Shape).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) => new PlaneScatter(positions, inputShape).Apply(dx);

    // One plane per task: each clears its plane of dx and adds its outputs' gradients into it.
    private unsafe void Run<T>(ReadOnlySpan<T> g, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = inputShape[0] * inputShape[1];
        int plane = inputShape[2] * inputShape[3], outPlane = g.Length / planes;
        fixed (T* pg = g, pd = dx)
        fixed (int* pa = positions.AsSpan<int>())
        {
            T* sg = pg, sd = pd;
            int* at = pa;
            Parallelism.For(planes, p =>
            {
                var target = new Span<T>(sd + ((long)p * plane), plane);
                var source = new ReadOnlySpan<T>(sg + ((long)p * outPlane), outPlane);
                target.Clear();
                for (int o = 0; o < outPlane; o++)
                {
                    target[at[(p * outPlane) + o]] += source[o];
                }
            });
        }
    }
}

/// <summary>y[o] = x[plane p, positions[o]] for every output o of plane p (the max-pool routing, reused for its forward mode).</summary>
internal sealed class PlaneGather(Tensor positions, Shape outputShape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        Tensor input = x[0].Contiguous();
        Tensor y = Tensor.Uninitialized(outputShape, input.DType);
        if (input.DType == DType.Float32)
        {
            Run<float>(input.AsSpan<float>(), input.Shape, y.AsSpan<float>());
        }
        else
        {
            Run<double>(input.AsSpan<double>(), input.Shape, y.AsSpan<double>());
        }
        return y;
    }

    protected internal override Variable?[] Backward(Variable gy) => [new PlaneScatter(positions, Inputs[0].Shape).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) => new PlaneGather(positions, outputShape).Apply(dx);

    private void Run<T>(ReadOnlySpan<T> x, Shape inputShape, Span<T> y) where T : unmanaged
    {
        int plane = inputShape[2] * inputShape[3], outPlane = outputShape[2] * outputShape[3];
        ReadOnlySpan<int> at = positions.AsSpan<int>();
        for (int o = 0; o < y.Length; o++)
        {
            y[o] = x[((o / outPlane) * plane) + at[o]];
        }
    }
}

/// <summary>y = the mean of each window (avg_pool2d, adaptive_avg_pool2d). gx = the adjoint: gy spread evenly over each window.</summary>
internal sealed class AvgPool2d(PoolAxis rows, PoolAxis cols, bool countIncludePad) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        Tensor input = MaxPool2d.FloatInput(x[0], "avg_pool2d");
        (int planes, int h, int w) = (input.Shape[0] * input.Shape[1], input.Shape[2], input.Shape[3]);
        Tensor y = Tensor.Uninitialized(new Shape(input.Shape[0], input.Shape[1], rows.Length, cols.Length), input.DType);
        if (input.DType == DType.Float32)
        {
            Pooling.Average<float>(input.AsSpan<float>(), planes, h, w, rows, cols, countIncludePad, y.AsSpan<float>());
        }
        else
        {
            Pooling.Average<double>(input.AsSpan<double>(), planes, h, w, rows, cols, countIncludePad, y.AsSpan<double>());
        }
        return y;
    }

    protected internal override Variable?[] Backward(Variable gy) => [new AvgPool2dAdjoint(rows, cols, countIncludePad, Inputs[0].Shape).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) => new AvgPool2d(rows, cols, countIncludePad).Apply(dx);
}

/// <summary>dx = the adjoint of average pooling. Its gradient is average pooling itself.</summary>
internal sealed class AvgPool2dAdjoint(PoolAxis rows, PoolAxis cols, bool countIncludePad, Shape inputShape) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        Tensor g = x[0].Contiguous();
        Tensor dx = new(inputShape, g.DType);
        int planes = inputShape[0] * inputShape[1];
        if (g.DType == DType.Float32)
        {
            Pooling.AverageAdjoint<float>(g.AsSpan<float>(), planes, inputShape[2], inputShape[3], rows, cols, countIncludePad, dx.AsSpan<float>());
        }
        else
        {
            Pooling.AverageAdjoint<double>(g.AsSpan<double>(), planes, inputShape[2], inputShape[3], rows, cols, countIncludePad, dx.AsSpan<double>());
        }
        return dx;
    }

    protected internal override Variable?[] Backward(Variable gy) => [new AvgPool2d(rows, cols, countIncludePad).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) => new AvgPool2dAdjoint(rows, cols, countIncludePad, inputShape).Apply(dx);
}

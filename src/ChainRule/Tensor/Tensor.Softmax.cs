using ChainRule.Kernels;

namespace ChainRule;

public sealed partial class Tensor
{
    /// <summary>e^x / sum e^x along <paramref name="axis"/>, computed stably (the row maximum is subtracted first).</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => AlongAxis(x, axis, log: false);

    /// <summary>x - ln sum e^x along <paramref name="axis"/>, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => AlongAxis(x, axis, log: true);

    /// <summary>
    /// Per-row cross-entropy of softmax(x) against target distributions q, both (rows, classes): the losses (rows)
    /// and the probabilities softmax(x), computed in one fused pass.
    /// </summary>
    internal static (Tensor Losses, Tensor Probabilities) SoftmaxCrossEntropy(Tensor x, Tensor q)
    {
        x = x.To(DTypes.FloatingOf(x.DType)).Contiguous();
        q = q.To(x.DType).Contiguous();
        int rows = x.Shape[0], cols = x.Shape[1];
        Tensor losses = Uninitialized(new Shape(rows), x.DType);
        Tensor probabilities = Uninitialized(x.Shape, x.DType);
        if (x.DType == DType.Float32)
        {
            Kernels.Softmax.CrossEntropy<float>(x.AsSpan<float>(), q.AsSpan<float>(), rows, cols, probabilities.AsSpan<float>(), losses.AsSpan<float>());
        }
        else
        {
            Kernels.Softmax.CrossEntropy<double>(x.AsSpan<double>(), q.AsSpan<double>(), rows, cols, probabilities.AsSpan<double>(), losses.AsSpan<double>());
        }
        return (losses, probabilities);
    }

    /// <summary>(probabilities - q) * gy[:, None], in one pass.</summary>
    internal static Tensor SoftmaxCrossEntropyBackward(Tensor probabilities, Tensor q, Tensor gy)
    {
        int rows = probabilities.Shape[0], cols = probabilities.Shape[1];
        Tensor gx = Uninitialized(probabilities.Shape, probabilities.DType);
        q = q.To(gx.DType).Contiguous();
        gy = gy.To(gx.DType).Contiguous();
        if (gx.DType == DType.Float32)
        {
            Kernels.Softmax.CrossEntropyBackward<float>(probabilities.AsSpan<float>(), q.AsSpan<float>(), gy.AsSpan<float>(), rows, cols, gx.AsSpan<float>());
        }
        else
        {
            Kernels.Softmax.CrossEntropyBackward<double>(probabilities.AsSpan<double>(), q.AsSpan<double>(), gy.AsSpan<double>(), rows, cols, gx.AsSpan<double>());
        }
        return gx;
    }

    // Moves the axis last so each row is contiguous, runs the row kernel, and moves it back.
    private static Tensor AlongAxis(Tensor x, int axis, bool log)
    {
        x = x.To(DTypes.FloatingOf(x.DType)); // integer logits compute in float32, as torch
        int a = Shape.NormalizeAxis(axis, x.Rank, log ? "log_softmax" : "softmax");
        Tensor rows = x.Transpose(a, -1).Contiguous();
        Tensor result = Uninitialized(rows.Shape, x.DType);
        int cols = x.Shape.Dims[a];
        int count = cols == 0 ? 0 : x.Size / cols;
        if (x.DType == DType.Float32)
        {
            Run<float>(rows, count, cols, result, log);
        }
        else
        {
            Run<double>(rows, count, cols, result, log);
        }
        return a == x.Rank - 1 ? result : result.Transpose(a, -1).Contiguous();

        static void Run<T>(Tensor rows, int count, int cols, Tensor result, bool log)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (log)
            {
                Kernels.Softmax.LogForward<T>(rows.AsSpan<T>(), count, cols, result.AsSpan<T>());
            }
            else
            {
                Kernels.Softmax.Forward<T>(rows.AsSpan<T>(), count, cols, result.AsSpan<T>());
            }
        }
    }
}

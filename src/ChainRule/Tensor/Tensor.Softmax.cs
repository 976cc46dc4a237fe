using ChainRule.Kernels;

namespace ChainRule;

public sealed partial class Tensor
{
    /// <summary>e^x / sum e^x along <paramref name="axis"/>, computed stably (the row maximum is subtracted first).</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => AlongAxis(x, axis, log: false);

    /// <summary>x - ln sum e^x along <paramref name="axis"/>, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => AlongAxis(x, axis, log: true);

    // Moves the axis last so each row is contiguous, runs the row kernel, and moves it back.
    private static Tensor AlongAxis(Tensor x, int axis, bool log)
    {
        int a = Shape.NormalizeAxis(axis, x.Rank, log ? "log_softmax" : "softmax");
        Tensor rows = x.Transpose(a, -1).Contiguous();
        var result = new Tensor(rows.Shape, x.DType);
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

using System.Numerics;
using System.Numerics.Tensors;

namespace ChainRule.Kernels;

// Softmax and log-softmax over the rows of a contiguous (rows, cols) matrix.
// Both subtract the row maximum first, so logits of +-1000 neither overflow nor underflow to NaN:
// softmax(x) = e^(x - m) / sum e^(x - m), log_softmax(x) = (x - m) - ln sum e^(x - m), m = max x.
internal static class Softmax
{
    public static void Forward<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = x.Slice(r * cols, cols);
            Span<T> d = destination.Slice(r * cols, cols);
            TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), d);
            TensorPrimitives.Exp(d, d);
            TensorPrimitives.Divide(d, TensorPrimitives.Sum<T>(d), d);
        }
    }

    public static void LogForward<T>(ReadOnlySpan<T> x, int rows, int cols, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = x.Slice(r * cols, cols);
            Span<T> d = destination.Slice(r * cols, cols);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, d);
            TensorPrimitives.Exp(d, d);
            T logSum = T.Log(TensorPrimitives.Sum<T>(d));
            // NOTE: (x - m) - lse, not x - (m + lse): at m = 1000 the sum m + lse would round away lse's digits.
            TensorPrimitives.Subtract(row, max, d);
            TensorPrimitives.Subtract(d, logSum, d);
        }
    }

    /// <summary>
    /// Cross-entropy of softmax(x) against target distributions q, row by row, fused: for each row,
    /// loss = ln sum e^x - sum q x (stable: through the row maximum), and probabilities = softmax(x),
    /// kept for the backward pass. x, q, probabilities: (rows, cols); losses: (rows).
    /// </summary>
    public static void CrossEntropy<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> q, int rows, int cols, Span<T> probabilities, Span<T> losses)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = x.Slice(r * cols, cols);
            Span<T> p = probabilities.Slice(r * cols, cols);
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, p);
            TensorPrimitives.Exp(p, p);
            T sum = TensorPrimitives.Sum<T>(p);
            TensorPrimitives.Divide(p, sum, p);
            losses[r] = max + T.Log(sum) - TensorPrimitives.Dot(q.Slice(r * cols, cols), row);
        }
    }

    /// <summary>gx[r, c] = (probabilities[r, c] - q[r, c]) * gy[r]: the cross-entropy's gradient in one pass.</summary>
    public static void CrossEntropyBackward<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> q, ReadOnlySpan<T> gy, int rows, int cols, Span<T> gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            Span<T> g = gx.Slice(r * cols, cols);
            TensorPrimitives.Subtract(probabilities.Slice(r * cols, cols), q.Slice(r * cols, cols), g);
            TensorPrimitives.Multiply(g, gy[r], g);
        }
    }
}

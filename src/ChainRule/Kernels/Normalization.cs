using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace ChainRule.Kernels;

// Batch normalization of x viewed as (N, C, S) (S = H * W, or 1 for (N, C)), one channel per task: the batch
// statistics, the normalization with its affine map, and the backward pass, each a single pass (or two) over a
// channel's N rows of S values. Sums are accumulated in double row by row, in a fixed order, so the results do
// not depend on the thread count.
//   xhat = (x - mean) * invStd,   invStd = 1 / sqrt(var + eps),   var biased (divided by M = N * S)
//   y    = xhat * w + b
//   gx   = w * invStd * (gy - mean(gy) - xhat * mean(gy * xhat)),  gw = sum(gy * xhat),  gb = sum(gy)
internal static class Normalization
{
    /// <summary>Per channel: the mean and the biased variance over N and S (two passes: the mean, then squared deviations).</summary>
    public static unsafe void Statistics<T>(ReadOnlySpan<T> x, int n, int c, int s, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] means = new double[c], variances = new double[c];
        fixed (T* px = x)
        {
            T* sx = px;
            Parallelism.For(c, channel =>
            {
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += double.CreateTruncating(TensorPrimitives.Sum(Row(sx, i, channel)));
                }
                double m = sum / ((long)n * s);
                T[] centered = ArrayPool<T>.Shared.Rent(s);
                double squares = 0;
                for (int i = 0; i < n; i++)
                {
                    Span<T> d = centered.AsSpan(0, s);
                    TensorPrimitives.Subtract(Row(sx, i, channel), T.CreateTruncating(m), d);
                    squares += double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(d));
                }
                ArrayPool<T>.Shared.Return(centered);
                means[channel] = m;
                variances[channel] = squares / ((long)n * s);
            });
        }
        means.CopyTo(mean);
        variances.CopyTo(variance);

        ReadOnlySpan<T> Row(T* start, int i, int channel) => new(start + ((((long)i * c) + channel) * s), s);
    }

    /// <summary>y = (x - mean) * invStd * w + b per channel (w, b null: 1 and 0), as one multiply and one add per row in cache.</summary>
    public static void Normalize<T>(ReadOnlySpan<T> x, int n, int c, int s, ReadOnlySpan<double> mean, ReadOnlySpan<double> invStd,
        ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scale = new T[c];
        var shift = new T[c];
        for (int k = 0; k < c; k++)
        {
            double w = weight.IsEmpty ? 1 : double.CreateTruncating(weight[k]);
            double b = bias.IsEmpty ? 0 : double.CreateTruncating(bias[k]);
            scale[k] = T.CreateTruncating(w * invStd[k]);
            shift[k] = T.CreateTruncating(b - (mean[k] * w * invStd[k]));
        }
        PerRow(x, y, n, c, s, (source, destination, channel) =>
        {
            TensorPrimitives.Multiply(source, scale[channel], destination);
            TensorPrimitives.Add(destination, shift[channel], destination);
        });
    }

    /// <summary>The gradients of y = xhat * w + b with batch statistics: gx (always), gw and gb (when not empty).</summary>
    public static unsafe void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gy, int n, int c, int s, ReadOnlySpan<double> mean, ReadOnlySpan<double> invStd,
        ReadOnlySpan<T> weight, Span<T> gx, Span<T> gw, Span<T> gb)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sumGy = new double[c];
        var sumGyXhat = new double[c];
        double[] m = mean.ToArray(), inv = invStd.ToArray();
        // pass 1: per channel, sum(gy) and sum(gy * xhat) = invStd * (sum(gy * x) - mean * sum(gy))
        fixed (T* px = x, pg = gy)
        {
            T* sx = px, sg = pg;
            Parallelism.For(c, channel =>
            {
                double g = 0, gxsum = 0;
                for (int i = 0; i < n; i++)
                {
                    long offset = (((long)i * c) + channel) * s;
                    var gs = new ReadOnlySpan<T>(sg + offset, s);
                    g += double.CreateTruncating(TensorPrimitives.Sum(gs));
                    gxsum += double.CreateTruncating(TensorPrimitives.Dot(gs, new ReadOnlySpan<T>(sx + offset, s)));
                }
                sumGy[channel] = g;
                sumGyXhat[channel] = inv[channel] * (gxsum - (m[channel] * g));
            });
        }
        long count = (long)n * s;
        // pass 2: gx = a * gy + b * x + d, with a = w * invStd, b = -a * invStd * mean(gy * xhat), d = -a * mean(gy) - b * mean
        var a = new T[c];
        var bx = new T[c];
        var d = new T[c];
        for (int k = 0; k < c; k++)
        {
            double w = weight.IsEmpty ? 1 : double.CreateTruncating(weight[k]);
            double ak = w * inv[k], bk = -ak * inv[k] * sumGyXhat[k] / count;
            a[k] = T.CreateTruncating(ak);
            bx[k] = T.CreateTruncating(bk);
            d[k] = T.CreateTruncating((-ak * sumGy[k] / count) - (bk * m[k]));
        }
        PerRow2(gy, x, gx, n, c, s, (g, xr, destination, channel) =>
        {
            TensorPrimitives.Multiply(g, a[channel], destination);
            TensorPrimitives.Add(destination, d[channel], destination);
            TensorPrimitives.MultiplyAdd(xr, bx[channel], destination, destination);
        });
        for (int k = 0; k < c; k++)
        {
            if (!gw.IsEmpty)
            {
                gw[k] = T.CreateTruncating(sumGyXhat[k]);
            }
            if (!gb.IsEmpty)
            {
                gb[k] = T.CreateTruncating(sumGy[k]);
            }
        }
    }

    // ---- drivers: one channel (its N rows of S values) per task ----------------------------------------------------

    private delegate void RowAction<T>(ReadOnlySpan<T> source, Span<T> destination, int channel);

    private delegate void RowAction2<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> destination, int channel);

    private static unsafe void PerRow<T>(ReadOnlySpan<T> x, Span<T> y, int n, int c, int s, RowAction<T> body) where T : unmanaged
    {
        fixed (T* px = x, py = y)
        {
            T* sx = px, sy = py;
            Parallelism.For(n * c, row => body(new ReadOnlySpan<T>(sx + ((long)row * s), s), new Span<T>(sy + ((long)row * s), s), row % c));
        }
    }

    private static unsafe void PerRow2<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int n, int c, int s, RowAction2<T> body) where T : unmanaged
    {
        fixed (T* pa = a, pb = b, py = y)
        {
            T* sa = pa, sb = pb, sy = py;
            Parallelism.For(n * c, row => body(new ReadOnlySpan<T>(sa + ((long)row * s), s), new ReadOnlySpan<T>(sb + ((long)row * s), s), new Span<T>(sy + ((long)row * s), s), row % c));
        }
    }
}

using System.Numerics;

namespace ChainRule.Kernels;

// Pooling over the last two axes of (N, C, H, W), one plane (n, c) at a time. A window is given per output
// row and column as [start, end) in input coordinates already clipped to the image; Size is the window's
// extent counting padding (what count_include_pad divides by).

/// <summary>The windows of one axis: output i reads input [Start[i], End[i]); Padded[i] is its size with padding counted.</summary>
internal sealed record PoolAxis(int[] Start, int[] End, int[] Padded)
{
    public int Length => Start.Length;

    /// <summary>kernel k, stride s, padding p over an input of size n (PyTorch's floor mode).</summary>
    public static PoolAxis Sliding(int n, int kernel, int stride, int padding)
    {
        int outSize = ((n + (2 * padding) - kernel) / stride) + 1;
        var start = new int[outSize];
        var end = new int[outSize];
        var padded = new int[outSize];
        for (int i = 0; i < outSize; i++)
        {
            int s = (i * stride) - padding;
            int e = Math.Min(s + kernel, n + padding);
            padded[i] = e - s;
            start[i] = Math.Max(s, 0);
            end[i] = Math.Min(e, n);
        }
        return new PoolAxis(start, end, padded);
    }

    /// <summary>PyTorch's adaptive windows: output i of m reads [floor(i n / m), ceil((i + 1) n / m)).</summary>
    public static PoolAxis Adaptive(int n, int m)
    {
        var start = new int[m];
        var end = new int[m];
        for (int i = 0; i < m; i++)
        {
            start[i] = (int)((long)i * n / m);
            end[i] = (int)((((long)(i + 1) * n) + m - 1) / m);
        }
        int[] padded = [.. start.Zip(end, (s, e) => e - s)];
        return new PoolAxis(start, end, padded);
    }
}

internal static class Pooling
{
    /// <summary>y = the window maxima; argmax = the flat index (h * W + w) in the plane of each maximum, the first one on ties (row-major).</summary>
    public static void Max<T>(ReadOnlySpan<T> x, int planes, int h, int w, PoolAxis rows, PoolAxis cols, Span<T> y, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outPlane = rows.Length * cols.Length;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> plane = x.Slice(p * h * w, h * w);
            for (int oh = 0; oh < rows.Length; oh++)
            {
                for (int ow = 0; ow < cols.Length; ow++)
                {
                    T best = T.NegativeInfinity; // padding counts as -infinity
                    int at = -1;
                    for (int ih = rows.Start[oh]; ih < rows.End[oh]; ih++)
                    {
                        for (int iw = cols.Start[ow]; iw < cols.End[ow]; iw++)
                        {
                            T v = plane[(ih * w) + iw];
                            if (v > best || at < 0 || (T.IsNaN(v) && !T.IsNaN(best)))
                            {
                                best = v;
                                at = (ih * w) + iw;
                            }
                        }
                    }
                    int o = (p * outPlane) + (oh * cols.Length) + ow;
                    y[o] = best;
                    argmax[o] = at;
                }
            }
        }
    }

    /// <summary>y = the window sums divided by the window size (with padding counted, or not).</summary>
    public static void Average<T>(ReadOnlySpan<T> x, int planes, int h, int w, PoolAxis rows, PoolAxis cols, bool countIncludePad, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outPlane = rows.Length * cols.Length;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> plane = x.Slice(p * h * w, h * w);
            for (int oh = 0; oh < rows.Length; oh++)
            {
                for (int ow = 0; ow < cols.Length; ow++)
                {
                    T sum = T.Zero;
                    for (int ih = rows.Start[oh]; ih < rows.End[oh]; ih++)
                    {
                        for (int iw = cols.Start[ow]; iw < cols.End[ow]; iw++)
                        {
                            sum += plane[(ih * w) + iw];
                        }
                    }
                    y[(p * outPlane) + (oh * cols.Length) + ow] = sum / T.CreateTruncating(Divisor(rows, cols, oh, ow, countIncludePad));
                }
            }
        }
    }

    /// <summary>dx += the adjoint of Average: each output's gradient spread evenly over its window.</summary>
    public static void AverageAdjoint<T>(ReadOnlySpan<T> gy, int planes, int h, int w, PoolAxis rows, PoolAxis cols, bool countIncludePad, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outPlane = rows.Length * cols.Length;
        for (int p = 0; p < planes; p++)
        {
            Span<T> plane = dx.Slice(p * h * w, h * w);
            for (int oh = 0; oh < rows.Length; oh++)
            {
                for (int ow = 0; ow < cols.Length; ow++)
                {
                    T share = gy[(p * outPlane) + (oh * cols.Length) + ow] / T.CreateTruncating(Divisor(rows, cols, oh, ow, countIncludePad));
                    for (int ih = rows.Start[oh]; ih < rows.End[oh]; ih++)
                    {
                        for (int iw = cols.Start[ow]; iw < cols.End[ow]; iw++)
                        {
                            plane[(ih * w) + iw] += share;
                        }
                    }
                }
            }
        }
    }

    private static int Divisor(PoolAxis rows, PoolAxis cols, int oh, int ow, bool countIncludePad) => countIncludePad
        ? rows.Padded[oh] * cols.Padded[ow]
        : (rows.End[oh] - rows.Start[oh]) * (cols.End[ow] - cols.Start[ow]);
}

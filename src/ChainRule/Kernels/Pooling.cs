using System.Numerics;

namespace ChainRule.Kernels;

// Pooling over the last two axes of (N, C, H, W), one plane (n, c) at a time. A window is given per output
// row and column as [start, end) in input coordinates already clipped to the image; Size is the window's
// extent counting padding (what count_include_pad divides by).

/// <summary>The windows of one axis: output i reads input [Start[i], End[i]); Padded[i] is its size with padding counted.</summary>
internal sealed record PoolAxis(int[] Start, int[] End, int[] Padded)
{
    public int Length => Start.Length;

    /// <summary>Windows [2i, 2i + 2) with no padding: kernel 2, stride 2, the case pooling layers use most.</summary>
    public bool IsPairs { get; } = IsPairsOf(Start, End, Padded);

    private static bool IsPairsOf(int[] start, int[] end, int[] padded)
    {
        for (int i = 0; i < start.Length; i++)
        {
            if (start[i] != 2 * i || end[i] != (2 * i) + 2 || padded[i] != 2)
            {
                return false;
            }
        }
        return start.Length > 0;
    }

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
    public static unsafe void Max<T>(ReadOnlySpan<T> x, int planes, int h, int w, PoolAxis rows, PoolAxis cols, Span<T> y, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outPlane = rows.Length * cols.Length;
        bool pairs = rows.IsPairs && cols.IsPairs;
        fixed (T* px = x, py = y)
        fixed (int* pa = argmax)
        {
            T* sx = px, sy = py;
            int* sa = pa;
            Parallelism.For(planes, p =>
            {
                var plane = new ReadOnlySpan<T>(sx + ((long)p * h * w), h * w);
                var values = new Span<T>(sy + ((long)p * outPlane), outPlane);
                var at = new Span<int>(sa + ((long)p * outPlane), outPlane);
                if (pairs)
                {
                    MaxPairs(plane, w, rows.Length, cols.Length, values, at);
                }
                else
                {
                    MaxPlane(plane, w, rows, cols, values, at);
                }
            });
        }
    }

    // The general window: padding counts as -infinity, a NaN wins (as in PyTorch), the first maximum on ties.
    private static void MaxPlane<T>(ReadOnlySpan<T> plane, int w, PoolAxis rows, PoolAxis cols, Span<T> y, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] rowStart = rows.Start, rowEnd = rows.End, colStart = cols.Start, colEnd = cols.End;
        for (int oh = 0; oh < rowStart.Length; oh++)
        {
            for (int ow = 0; ow < colStart.Length; ow++)
            {
                T best = T.NegativeInfinity;
                int at = -1;
                for (int ih = rowStart[oh]; ih < rowEnd[oh]; ih++)
                {
                    ReadOnlySpan<T> line = plane.Slice(ih * w, w);
                    for (int iw = colStart[ow]; iw < colEnd[ow]; iw++)
                    {
                        T v = line[iw];
                        if (v > best || at < 0 || (T.IsNaN(v) && !T.IsNaN(best)))
                        {
                            best = v;
                            at = (ih * w) + iw;
                        }
                    }
                }
                int o = (oh * colStart.Length) + ow;
                y[o] = best;
                argmax[o] = at;
            }
        }
    }

    // 2 x 2 windows at stride 2 without padding (the common case): the same rule, four comparisons per output.
    private static void MaxPairs<T>(ReadOnlySpan<T> plane, int w, int outH, int outW, Span<T> y, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int oh = 0; oh < outH; oh++)
        {
            int top = 2 * oh * w;
            ReadOnlySpan<T> r0 = plane.Slice(top, w), r1 = plane.Slice(top + w, w);
            Span<T> values = y.Slice(oh * outW, outW);
            Span<int> at = argmax.Slice(oh * outW, outW);
            for (int ow = 0; ow < outW; ow++)
            {
                int c = 2 * ow;
                T best = r0[c];
                int where = top + c;
                Consider(r0[c + 1], top + c + 1, ref best, ref where);
                Consider(r1[c], top + w + c, ref best, ref where);
                Consider(r1[c + 1], top + w + c + 1, ref best, ref where);
                values[ow] = best;
                at[ow] = where;
            }
        }

        static void Consider(T v, int index, ref T best, ref int where)
        {
            if (v > best || (T.IsNaN(v) && !T.IsNaN(best)))
            {
                best = v;
                where = index;
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

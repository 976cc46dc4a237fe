using System.Numerics;

namespace ChainRule.Kernels;

// Convolution as a GEMM, NCHW, one image at a time. im2col lays out image n as a matrix of columns:
//   cols[(c * KH + i) * KW + j, oh * OW + ow] = x[n, c, oh * SH - PadTop + i * DH, ow * SW - PadLeft + j * DW]
// (zero outside the image), P = OH * OW columns. Then, per group g of the channels:
//   forward         y[n, g] (Cout/G, P)  = W[g] (Cout/G, K)  @ cols[g] (K, P),   K = Cin/G * KH * KW
//   input gradient  dcols[g] (K, P)      = W[g]^T            @ gy[n, g]         then col2im adds dcols into dx[n]
//   weight gradient dW[g] (Cout/G, K)   += gy[n, g]          @ cols[g]^T
// y[n] and gy[n] are (Cout, P) blocks of NCHW as they are, so nothing is transposed. Images are the parallel
// tasks (a single-threaded GEMM each, the columns in a pooled buffer that stays in cache), each writing only its
// own image of y or dx; dW is summed over a fixed number of runs of images and the runs' partials added in order,
// so every result is the same bits whatever the thread count.

/// <summary>Sizes of a 2-d convolution: input (N, C, H, W), weight (OutC, C / Groups, KH, KW), output (N, OutC, OH, OW).</summary>
internal readonly record struct ConvGeometry(
    int N, int C, int H, int W, int OutC, int KH, int KW,
    int StrideH, int StrideW, int PadTop, int PadBottom, int PadLeft, int PadRight, int DilationH, int DilationW, int Groups)
{
    public int OH => ((H + PadTop + PadBottom - (DilationH * (KH - 1)) - 1) / StrideH) + 1;

    public int OW => ((W + PadLeft + PadRight - (DilationW * (KW - 1)) - 1) / StrideW) + 1;

    /// <summary>Output positions per image.</summary>
    public int P => OH * OW;

    /// <summary>Rows of cols per group: (C / Groups) * KH * KW.</summary>
    public int K => C / Groups * KH * KW;
}

internal static class Convolution
{
    /// <summary>
    /// cols (C * KH * KW, count * P) from images [first, first + count) of x (N, C, H, W), both contiguous: image
    /// first + n fills columns [n * P, (n + 1) * P).
    /// </summary>
    public static unsafe void Im2Col<T>(ReadOnlySpan<T> x, ConvGeometry g, Span<T> cols, int first, int count) where T : unmanaged, INumber<T>
    {
        int rowLength = count * g.P;
        int imageSize = g.C * g.H * g.W;
        fixed (T* px = x, pc = cols)
        {
            T* sx = px, sc = pc;
            int length = cols.Length;
            Parallelism.For(count, n => Image(new ReadOnlySpan<T>(sx + ((long)(first + n) * imageSize), imageSize), n, new Span<T>(sc, length)), minPerThread: 1);
        }

        void Image(ReadOnlySpan<T> image, int n, Span<T> cols)
        {
            for (int c = 0; c < g.C; c++)
            {
                for (int i = 0; i < g.KH; i++)
                {
                    for (int j = 0; j < g.KW; j++)
                    {
                        int row = (((c * g.KH) + i) * g.KW) + j;
                        Span<T> destination = cols.Slice((row * rowLength) + (n * g.P), g.P);
                        Window(image.Slice(c * g.H * g.W, g.H * g.W), g, i, j, destination);
                    }
                }
            }
        }
    }

    /// <summary>Images [first, first + count) of dx (N, C, H, W) += col2im(dcols (C * KH * KW, count * P)): the adjoint of Im2Col.</summary>
    public static unsafe void Col2ImAdd<T>(ReadOnlySpan<T> cols, ConvGeometry g, Span<T> dx, int first, int count) where T : unmanaged, INumber<T>
    {
        int rowLength = count * g.P;
        int imageSize = g.C * g.H * g.W;
        fixed (T* pc = cols, px = dx)
        {
            T* sc = pc, sx = px;
            int length = cols.Length;
            Parallelism.For(count, n => Image(new ReadOnlySpan<T>(sc, length), n, new Span<T>(sx + ((long)(first + n) * imageSize), imageSize)), minPerThread: 1);
        }

        void Image(ReadOnlySpan<T> cols, int n, Span<T> image)
        {
            for (int c = 0; c < g.C; c++)
            {
                for (int i = 0; i < g.KH; i++)
                {
                    for (int j = 0; j < g.KW; j++)
                    {
                        int row = (((c * g.KH) + i) * g.KW) + j;
                        ReadOnlySpan<T> source = cols.Slice((row * rowLength) + (n * g.P), g.P);
                        WindowAdd(source, g, i, j, image.Slice(c * g.H * g.W, g.H * g.W));
                    }
                }
            }
        }
    }

    // One kernel offset (i, j) of one channel: destination[oh * OW + ow] = plane[ih, iw], 0 outside.
    private static void Window<T>(ReadOnlySpan<T> plane, ConvGeometry g, int i, int j, Span<T> destination) where T : unmanaged, INumber<T>
    {
        if (g.StrideH == 1 && g.StrideW == 1 && g.OW == g.W)
        {
            ShiftedWindow(plane, g, i, j, destination);
            return;
        }
        for (int oh = 0; oh < g.OH; oh++)
        {
            int ih = (oh * g.StrideH) - g.PadTop + (i * g.DilationH);
            Span<T> row = destination.Slice(oh * g.OW, g.OW);
            if ((uint)ih >= (uint)g.H)
            {
                row.Clear();
                continue;
            }
            ReadOnlySpan<T> input = plane.Slice(ih * g.W, g.W);
            int offset = (j * g.DilationW) - g.PadLeft;
            (int first, int end) = Inside(offset, g.StrideW, g.OW, g.W);
            row[..first].Clear();
            row[end..].Clear();
            if (g.StrideW == 1)
            {
                input.Slice(first + offset, end - first).CopyTo(row[first..end]);
            }
            else
            {
                for (int ow = first; ow < end; ow++)
                {
                    row[ow] = input[(ow * g.StrideW) + offset];
                }
            }
        }
    }

    // Stride 1 with the output as wide as the input (a "same" convolution): destination[d] = plane[d + shift] for the
    // whole block of rows inside the image at once (one copy instead of one per row), then the columns that
    // wrapped around from the neighbouring row, and the rows outside the image, are set to 0.
    private static void ShiftedWindow<T>(ReadOnlySpan<T> plane, ConvGeometry g, int i, int j, Span<T> destination) where T : unmanaged, INumber<T>
    {
        int rowOffset = (i * g.DilationH) - g.PadTop, offset = (j * g.DilationW) - g.PadLeft;
        int oh0 = Math.Clamp(-rowOffset, 0, g.OH), oh1 = Math.Clamp(g.H - rowOffset, oh0, g.OH);
        int shift = (rowOffset * g.W) + offset;
        int start = Math.Max(oh0 * g.OW, -shift), end = Math.Min(oh1 * g.OW, (g.H * g.W) - shift);
        destination[..Math.Max(0, Math.Min(start, destination.Length))].Clear();
        if (end > start)
        {
            plane.Slice(start + shift, end - start).CopyTo(destination[start..end]);
            destination[end..].Clear();
        }
        else
        {
            destination.Clear();
            return;
        }
        (int first, int last) = Inside(offset, 1, g.OW, g.W);
        for (int oh = oh0; oh < oh1; oh++)
        {
            Span<T> row = destination.Slice(oh * g.OW, g.OW);
            row[..first].Clear();
            row[last..].Clear();
        }
    }

    private static void WindowAdd<T>(ReadOnlySpan<T> source, ConvGeometry g, int i, int j, Span<T> plane) where T : unmanaged, INumber<T>
    {
        for (int oh = 0; oh < g.OH; oh++)
        {
            int ih = (oh * g.StrideH) - g.PadTop + (i * g.DilationH);
            if ((uint)ih >= (uint)g.H)
            {
                continue;
            }
            Span<T> input = plane.Slice(ih * g.W, g.W);
            ReadOnlySpan<T> row = source.Slice(oh * g.OW, g.OW);
            int offset = (j * g.DilationW) - g.PadLeft;
            (int first, int end) = Inside(offset, g.StrideW, g.OW, g.W);
            if (g.StrideW == 1 && end > first)
            {
                Span<T> target = input.Slice(first + offset, end - first);
                System.Numerics.Tensors.TensorPrimitives.Add(target, row[first..end], target);
                continue;
            }
            for (int ow = first; ow < end; ow++)
            {
                input[(ow * g.StrideW) + offset] += row[ow];
            }
        }
    }

    // The output columns ow in [first, end) whose input column ow * stride + offset lies in [0, width).
    private static (int First, int End) Inside(int offset, int stride, int outWidth, int width)
    {
        int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int end = width - offset <= 0 ? 0 : Math.Min(outWidth, ((width - offset - 1) / stride) + 1);
        return (Math.Min(first, end), end);
    }

    /// <summary>(N, C, P) to (C, N, P), or back with the two counts swapped: the channel-major view the GEMMs use.</summary>
    public static unsafe void SwapOuter<T>(ReadOnlySpan<T> source, int outer, int middle, int inner, Span<T> destination) where T : unmanaged
    {
        fixed (T* ps = source, pd = destination)
        {
            T* s = ps, d = pd;
            Parallelism.For(outer, a =>
            {
                for (int b = 0; b < middle; b++)
                {
                    new ReadOnlySpan<T>(s + ((((long)a * middle) + b) * inner), inner).CopyTo(new Span<T>(d + ((((long)b * outer) + a) * inner), inner));
                }
            });
        }
    }
}

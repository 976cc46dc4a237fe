using System.Numerics;

namespace ChainRule.Kernels;

// Convolution as a GEMM, NCHW. im2col lays out the whole batch as one matrix of columns:
//   cols[(c * KH + i) * KW + j, n * P + oh * OW + ow] = x[n, c, oh * SH - PadTop + i * DH, ow * SW - PadLeft + j * DW]
// (zero outside the image), P = OH * OW. Then, per group g of the channels:
//   forward         y'[g] (Cout/G, N*P)  = W[g] (Cout/G, K)  @ cols[g] (K, N*P),   K = Cin/G * KH * KW
//   weight gradient dW[g] (Cout/G, K)    = gy'[g]            @ cols[g]^T
//   input gradient  dcols[g] (K, N*P)    = W[g]^T            @ gy'[g]             then col2im adds dcols into dx
// where y' and gy' are (Cout, N, P), the channel-major view of (N, Cout, P). One GEMM per group over the whole
// batch keeps the GEMM large (and as deterministic as the GEMM is, whatever the thread count); im2col and col2im
// run one image per task, each writing only its own columns or its own image.

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
    /// <summary>cols (C * KH * KW, N * P) from x (N, C, H, W), both contiguous.</summary>
    public static void Im2Col<T>(ReadOnlySpan<T> x, ConvGeometry g, Span<T> cols) where T : unmanaged, INumber<T>
    {
        int rowLength = g.N * g.P;
        int imageSize = g.C * g.H * g.W;
        for (int n = 0; n < g.N; n++)
        {
            ReadOnlySpan<T> image = x.Slice(n * imageSize, imageSize);
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

    /// <summary>dx (N, C, H, W) += col2im(dcols (C * KH * KW, N * P)): the adjoint of Im2Col.</summary>
    public static void Col2ImAdd<T>(ReadOnlySpan<T> cols, ConvGeometry g, Span<T> dx) where T : unmanaged, INumber<T>
    {
        int rowLength = g.N * g.P;
        int imageSize = g.C * g.H * g.W;
        for (int n = 0; n < g.N; n++)
        {
            Span<T> image = dx.Slice(n * imageSize, imageSize);
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
    public static void SwapOuter<T>(ReadOnlySpan<T> source, int outer, int middle, int inner, Span<T> destination)
    {
        for (int a = 0; a < outer; a++)
        {
            for (int b = 0; b < middle; b++)
            {
                source.Slice(((a * middle) + b) * inner, inner).CopyTo(destination.Slice(((b * outer) + a) * inner, inner));
            }
        }
    }
}

using System.Buffers;
using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule;

// 2-d convolution, NCHW as in PyTorch, and its two adjoints. The three are bilinear, so each one's gradients
// are the other two (Functions/Conv.cs); all three run through im2col / col2im and the packed GEMM
// (Kernels/Convolution.cs explains the layout).
public sealed partial class Tensor
{
    /// <summary>The geometry of conv2d(x, w) with the given options, or an error naming the op and the shapes.</summary>
    internal static ConvGeometry ConvGeometryOf(Shape x, Shape w, int[] stride, int[] padding, int[] dilation, int groups, string op = "conv2d")
    {
        if (x.Rank != 4 || w.Rank != 4)
        {
            throw new ArgumentException($"{op}: input {x} and weight {w} must be (N, C, H, W) and (out_channels, in_channels / groups, kH, kW).");
        }
        if (groups < 1 || x[1] % groups != 0 || w[0] % groups != 0)
        {
            throw new ArgumentException($"{op}: groups {groups} must be at least 1 and divide both the input's {x[1]} channels and the weight's {w[0]} output channels.");
        }
        if (x[1] / groups != w[1])
        {
            throw new ArgumentException($"{op}: input {x} has {x[1]} channels, but the weight {w} expects {w[1] * groups}{(groups > 1 ? $" ({w[1]} per group, {groups} groups)" : "")}.");
        }
        if (stride.Any(s => s < 1) || dilation.Any(d => d < 1) || padding.Any(p => p < 0))
        {
            throw new ArgumentException($"{op}: stride ({string.Join(", ", stride)}) and dilation ({string.Join(", ", dilation)}) must be at least 1 and padding ({string.Join(", ", padding)}) at least 0.");
        }
        var g = new ConvGeometry(x[0], x[1], x[2], x[3], w[0], w[2], w[3], stride[0], stride[1],
            padding[0], padding[1], padding[2], padding[3], dilation[0], dilation[1], groups);
        int spanH = (dilation[0] * (w[2] - 1)) + 1, spanW = (dilation[1] * (w[3] - 1)) + 1;
        if (spanH > x[2] + padding[0] + padding[1] || spanW > x[3] + padding[2] + padding[3])
        {
            throw new ArgumentException($"{op}: the kernel spans {spanH}x{spanW} (dilation included), more than the padded input {x[2] + padding[0] + padding[1]}x{x[3] + padding[2] + padding[3]} of {x}.");
        }
        return g;
    }

    internal static Shape ConvOutputShape(ConvGeometry g) => new(g.N, g.OutC, g.OH, g.OW);

    /// <summary>y = conv2d(x, w) (+ bias per output channel): x (N, C, H, W), w (OutC, C / groups, KH, KW).</summary>
    internal static Tensor Conv2dForward(Tensor x, Tensor w, Tensor? bias, ConvGeometry g)
    {
        DType dtype = ConvType(x, w, "conv2d");
        Tensor y = Uninitialized(ConvOutputShape(g), dtype);
        if (dtype == DType.Float32)
        {
            Forward<float>(x.To(dtype).Contiguous(), w.To(dtype).Contiguous(), bias?.To(dtype).Contiguous(), g, y);
        }
        else
        {
            Forward<double>(x.To(dtype).Contiguous(), w.To(dtype).Contiguous(), bias?.To(dtype).Contiguous(), g, y);
        }
        return y;

        static unsafe void Forward<T>(Tensor x, Tensor w, Tensor? bias, ConvGeometry g, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outPerGroup = g.OutC / g.Groups, rows = g.C * g.KH * g.KW;
            T[]? b = bias?.AsSpan<T>().ToArray();
            fixed (T* px = x.AsSpan<T>(), pw = w.AsSpan<T>(), py = y.AsSpan<T>())
            {
                T* sx = px, sw = pw, sy = py;
                int xLength = x.Size, wLength = w.Size, imageOut = g.OutC * g.P;
                // one image per task: its columns, then per group one GEMM straight into its (OutC, P) block of y
                Parallelism.For(g.N, n =>
                {
                    T[] cols = ArrayPool<T>.Shared.Rent(rows * g.P);
                    Convolution.Im2Col<T>(new ReadOnlySpan<T>(sx, xLength), g, cols, n, 1);
                    var output = new Span<T>(sy + ((long)n * imageOut), imageOut);
                    if (b is not null)
                    {
                        for (int o = 0; o < g.OutC; o++)
                        {
                            output.Slice(o * g.P, g.P).Fill(b[o]);
                        }
                    }
                    var weights = new ReadOnlySpan<T>(sw, wLength);
                    for (int group = 0; group < g.Groups; group++)
                    {
                        Gemm.Multiply<T>(
                            weights[(group * outPerGroup * g.K)..], g.K, false,
                            cols.AsSpan((group * g.K * g.P)..), g.P, false,
                            outPerGroup, g.P, g.K, accumulate: b is not null, output[(group * outPerGroup * g.P)..], g.P, GemmKernel.Auto, threads: 1);
                    }
                    ArrayPool<T>.Shared.Return(cols);
                }, minPerThread: 1);
            }
        }
    }

    /// <summary>dx = the adjoint of conv2d in x: gy (N, OutC, OH, OW), w (OutC, C / groups, KH, KW) to (N, C, H, W). Also conv_transpose2d.</summary>
    internal static Tensor Conv2dInputGrad(Tensor gy, Tensor w, ConvGeometry g)
    {
        DType dtype = ConvType(gy, w, "conv2d input gradient");
        Tensor dx = ZeroedForKernel(new Shape(g.N, g.C, g.H, g.W), dtype); // col2im adds into zeros
        if (dtype == DType.Float32)
        {
            InputGrad<float>(gy.To(dtype).Contiguous(), w.To(dtype).Contiguous(), g, dx);
        }
        else
        {
            InputGrad<double>(gy.To(dtype).Contiguous(), w.To(dtype).Contiguous(), g, dx);
        }
        return dx;

        static unsafe void InputGrad<T>(Tensor gy, Tensor w, ConvGeometry g, Tensor dx) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outPerGroup = g.OutC / g.Groups, rows = g.C * g.KH * g.KW;
            fixed (T* pg = gy.AsSpan<T>(), pw = w.AsSpan<T>(), pd = dx.AsSpan<T>())
            {
                T* sg = pg, sw = pw, sd = pd;
                int dxLength = dx.Size, wLength = w.Size, imageOut = g.OutC * g.P;
                // one image per task: dcols = W^T gy[n] per group, then col2im into that image of dx alone
                Parallelism.For(g.N, n =>
                {
                    T[] dcols = ArrayPool<T>.Shared.Rent(rows * g.P);
                    var gradient = new ReadOnlySpan<T>(sg + ((long)n * imageOut), imageOut);
                    var weights = new ReadOnlySpan<T>(sw, wLength);
                    for (int group = 0; group < g.Groups; group++)
                    {
                        Gemm.Multiply<T>(
                            weights[(group * outPerGroup * g.K)..], g.K, true,
                            gradient[(group * outPerGroup * g.P)..], g.P, false,
                            g.K, g.P, outPerGroup, accumulate: false, dcols.AsSpan((group * g.K * g.P)..), g.P, GemmKernel.Auto, threads: 1);
                    }
                    Convolution.Col2ImAdd<T>(dcols.AsSpan(0, rows * g.P), g, new Span<T>(sd, dxLength), n, 1);
                    ArrayPool<T>.Shared.Return(dcols);
                }, minPerThread: 1);
            }
        }
    }

    /// <summary>dw = the adjoint of conv2d in w: x (N, C, H, W), gy (N, OutC, OH, OW) to (OutC, C / groups, KH, KW).</summary>
    internal static Tensor Conv2dWeightGrad(Tensor x, Tensor gy, ConvGeometry g)
    {
        DType dtype = ConvType(x, gy, "conv2d weight gradient");
        Tensor dw = Uninitialized(new Shape(g.OutC, g.C / g.Groups, g.KH, g.KW), dtype);
        if (dtype == DType.Float32)
        {
            WeightGrad<float>(x.To(dtype).Contiguous(), gy.To(dtype).Contiguous(), g, dw);
        }
        else
        {
            WeightGrad<double>(x.To(dtype).Contiguous(), gy.To(dtype).Contiguous(), g, dw);
        }
        return dw;

        static unsafe void WeightGrad<T>(Tensor x, Tensor gy, ConvGeometry g, Tensor dw) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int outPerGroup = g.OutC / g.Groups, rows = g.C * g.KH * g.KW;
            // images in a fixed number of runs (a function of N only); each run sums its images' dW in order into
            // its own partial, and the partials are added in run order: the same bits whatever the thread count
            int runs = Math.Min(g.N, 16), size = dw.Size;
            T[] partials = ArrayPool<T>.Shared.Rent(runs * size);
            fixed (T* px = x.AsSpan<T>(), pg = gy.AsSpan<T>(), pp = partials)
            {
                T* sx = px, sg = pg, sp = pp;
                int xLength = x.Size, imageOut = g.OutC * g.P;
                Parallelism.For(runs, run =>
                {
                    T[] cols = ArrayPool<T>.Shared.Rent(rows * g.P);
                    var partial = new Span<T>(sp + ((long)run * size), size);
                    int first = (int)((long)g.N * run / runs), end = (int)((long)g.N * (run + 1) / runs);
                    for (int n = first; n < end; n++)
                    {
                        Convolution.Im2Col<T>(new ReadOnlySpan<T>(sx, xLength), g, cols, n, 1);
                        var gradient = new ReadOnlySpan<T>(sg + ((long)n * imageOut), imageOut);
                        for (int group = 0; group < g.Groups; group++)
                        {
                            Gemm.Multiply<T>(
                                gradient[(group * outPerGroup * g.P)..], g.P, false,
                                cols.AsSpan((group * g.K * g.P)..), g.P, true,
                                outPerGroup, g.K, g.P, accumulate: n > first, partial[(group * outPerGroup * g.K)..], g.K, GemmKernel.Auto, threads: 1);
                        }
                    }
                    ArrayPool<T>.Shared.Return(cols);
                }, minPerThread: 1);
            }
            Span<T> result = dw.AsSpan<T>();
            partials.AsSpan(0, size).CopyTo(result);
            for (int run = 1; run < runs; run++)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(result, partials.AsSpan(run * size, size), result);
            }
            ArrayPool<T>.Shared.Return(partials);
        }
    }

    /// <summary>torch's unfold: x (N, C, H, W) to (N, C * KH * KW, OH * OW), the blocks a convolution sees (im2col per image).</summary>
    internal static Tensor UnfoldImages(Tensor x, ConvGeometry g)
    {
        Tensor input = x.Contiguous();
        Tensor cols = Uninitialized(new Shape(g.C * g.KH * g.KW, g.N, g.P), x.DType);
        Tensor y = Uninitialized(new Shape(g.N, g.C * g.KH * g.KW, g.P), x.DType);
        if (x.DType == DType.Float32)
        {
            Convolution.Im2Col<float>(input.AsSpan<float>(), g, cols.AsSpan<float>(), 0, g.N);
            Convolution.SwapOuter<float>(cols.AsSpan<float>(), g.C * g.KH * g.KW, g.N, g.P, y.AsSpan<float>());
        }
        else
        {
            Convolution.Im2Col<double>(input.AsSpan<double>(), g, cols.AsSpan<double>(), 0, g.N);
            Convolution.SwapOuter<double>(cols.AsSpan<double>(), g.C * g.KH * g.KW, g.N, g.P, y.AsSpan<double>());
        }
        return y;
    }

    /// <summary>torch's fold: blocks (N, C * KH * KW, OH * OW) summed back into (N, C, H, W) (col2im per image), the adjoint of unfold.</summary>
    internal static Tensor FoldImages(Tensor blocks, ConvGeometry g)
    {
        Tensor input = blocks.Contiguous();
        Tensor cols = Uninitialized(new Shape(g.C * g.KH * g.KW, g.N, g.P), blocks.DType);
        Tensor y = new(new Shape(g.N, g.C, g.H, g.W), blocks.DType); // col2im adds into zeros
        if (blocks.DType == DType.Float32)
        {
            Convolution.SwapOuter<float>(input.AsSpan<float>(), g.N, g.C * g.KH * g.KW, g.P, cols.AsSpan<float>());
            Convolution.Col2ImAdd<float>(cols.AsSpan<float>(), g, y.AsSpan<float>(), 0, g.N);
        }
        else
        {
            Convolution.SwapOuter<double>(input.AsSpan<double>(), g.N, g.C * g.KH * g.KW, g.P, cols.AsSpan<double>());
            Convolution.Col2ImAdd<double>(cols.AsSpan<double>(), g, y.AsSpan<double>(), 0, g.N);
        }
        return y;
    }

    private static DType ConvType(Tensor a, Tensor b, string op)
    {
        DType dtype = DTypes.Promote(a.DType, b.DType);
        return dtype.IsFloatingPoint() ? dtype
            : throw new ArgumentException($"{op}: {a.DType.Name()} and {b.DType.Name()} are not supported; convolutions are floating point: convert with .To(DType.Float32).");
    }
}

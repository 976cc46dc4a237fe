using ChainRule.Kernels;

namespace ChainRule.IO;

// Gemm, convolution, pooling and normalization. Convolution and pooling run ChainRule's 2-d kernels; a 1-d node
// (N, C, L) runs as 2-d on (N, C, 1, L). ONNX lists pads as every axis's begin, then every axis's end.
internal static partial class OnnxOps
{
    // Y = alpha A' B' + beta C, A' = transA ? A^T : A (2-d), C broadcast to (M, N).
    private static OnnxKernel Gemm(OnnxNode node)
    {
        float alpha = node.Float("alpha", 1), beta = node.Float("beta", 1);
        bool transA = node.Int("transA", 0) != 0, transB = node.Int("transB", 0) != 0;
        return x =>
        {
            Tensor a = FloatingPoint(node, x[0]!), b = FloatingPoint(node, x[1]!);
            if (a.Rank != 2 || b.Rank != 2)
            {
                throw new ArgumentException($"A {a.Shape} and B {b.Shape} must be matrices.");
            }
            Tensor y = Tensor.MatMul(transA ? a.Transpose() : a, transB ? b.Transpose() : b);
            if (alpha != 1)
            {
                y *= alpha;
            }
            if (x.Length > 2 && x[2] is Tensor c && beta != 0)
            {
                if (Shape.Broadcast(c.Shape, y.Shape, "Gemm") != y.Shape)
                {
                    throw new ArgumentException($"C {c.Shape} does not broadcast to the product's {y.Shape}.");
                }
                y += beta == 1 ? c : c * beta;
            }
            return [y];
        };
    }

    private static OnnxKernel Conv(OnnxNode node)
    {
        Window window = Window.Read(node, requireKernel: false);
        int group = node.Int32("group", 1);
        return x =>
        {
            Tensor input = FloatingPoint(node, x[0]!), weight = FloatingPoint(node, x[1]!);
            (Tensor x4, bool oneD) = As2d(node, input);
            Tensor w4 = weight.Rank == input.Rank ? (oneD ? weight.Unsqueeze(2) : weight) : throw new ArgumentException($"weight {weight.Shape} must have the rank of input {input.Shape}.");
            Axis[] axes = window.Resolve(node, x4.Shape, [w4.Shape[2], w4.Shape[3]], oneD);
            ConvGeometry g = Tensor.ConvGeometryOf(x4.Shape, w4.Shape, [axes[0].Stride, axes[1].Stride],
                [axes[0].Begin, axes[0].End, axes[1].Begin, axes[1].End], [axes[0].Dilation, axes[1].Dilation], group, "Conv");
            Tensor? bias = x.Length > 2 ? x[2] : null;
            if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != g.OutC))
            {
                throw new ArgumentException($"bias {bias.Shape} must be ({g.OutC}).");
            }
            Tensor y = Tensor.Conv2dForward(x4, w4, bias, g);
            return [oneD ? y.Squeeze(2) : y];
        };
    }

    // The adjoint of Conv: out = stride (in - 1) + output_padding + dilation (k - 1) + 1 - pads, computed as the
    // conv2d input gradient of that output's geometry.
    private static OnnxKernel ConvTranspose(OnnxNode node)
    {
        Window window = Window.Read(node, requireKernel: false);
        int group = node.Int32("group", 1);
        int[]? outputPadding = node.Ints("output_padding");
        int[]? outputShape = node.Ints("output_shape");
        if ((outputPadding ?? []).Any(p => p < 0 || p > Window.MaxWindow) || (outputShape ?? []).Any(d => d < 1))
        {
            throw new InvalidDataException($"{node.Where}: output_padding must be in [0, {Window.MaxWindow}] and output_shape at least 1.");
        }
        return x =>
        {
            Tensor input = FloatingPoint(node, x[0]!), weight = FloatingPoint(node, x[1]!);
            (Tensor x4, bool oneD) = As2d(node, input);
            Tensor w4 = weight.Rank == input.Rank ? (oneD ? weight.Unsqueeze(2) : weight) : throw new ArgumentException($"weight {weight.Shape} must have the rank of input {input.Shape}.");
            int[] extra = Spatial(node, outputPadding, oneD, 0, "output_padding") ?? [0, 0];
            int[]? target = Spatial(node, outputShape, oneD, 1, "output_shape");
            Axis[] axes = window.ResolveTransposed(node, x4.Shape, [w4.Shape[2], w4.Shape[3]], extra, target, oneD);
            int outChannels = w4.Shape[1] * group;
            int[] size = [.. Enumerable.Range(0, 2).Select(i =>
                (axes[i].Stride * (x4.Shape[2 + i] - 1)) + extra[i] + (axes[i].Dilation * (w4.Shape[2 + i] - 1)) + 1 - axes[i].Begin - axes[i].End)];
            if (size.Any(s => s < 1))
            {
                throw new ArgumentException($"the output size ({string.Join(", ", size)}) is not positive.");
            }
            ConvGeometry g = Tensor.ConvGeometryOf(new Shape(x4.Shape[0], outChannels, size[0], size[1]), w4.Shape, [axes[0].Stride, axes[1].Stride],
                [axes[0].Begin, axes[0].End, axes[1].Begin, axes[1].End], [axes[0].Dilation, axes[1].Dilation], group, "ConvTranspose");
            if (g.OH != x4.Shape[2] || g.OW != x4.Shape[3])
            {
                throw node.Unsupported($"output_padding ({string.Join(", ", extra)}) of stride ({axes[0].Stride}, {axes[1].Stride}) or more");
            }
            Tensor y = Tensor.Conv2dInputGrad(x4, w4, g);
            if (x.Length > 2 && x[2] is Tensor bias)
            {
                y += bias.Rank == 1 && bias.Shape[0] == outChannels ? bias.Reshape(1, outChannels, 1, 1) : throw new ArgumentException($"bias {bias.Shape} must be ({outChannels}).");
            }
            return [oneD ? y.Squeeze(2) : y];
        };
    }

    // Pools run ChainRule's pooling kernels; MaxPool with dilations or with its Indices output runs MaxPoolWithIndices.
    private static OnnxKernel Pool(OnnxNode node, bool max)
    {
        Window window = Window.Read(node, requireKernel: true);
        bool ceil = node.Int("ceil_mode", 0) != 0;
        bool countIncludePad = !max && node.Int("count_include_pad", 0) != 0;
        bool indices = max && node.Proto.Output.Count > 1 && node.Proto.Output[1].Length > 0;
        bool columnMajor = max && node.Int("storage_order", 0) != 0;
        return x =>
        {
            Tensor input = FloatingPoint(node, x[0]!);
            (Tensor x4, bool oneD) = As2d(node, input);
            Axis[] axes = window.Resolve(node, x4.Shape, null, oneD);
            Tensor y, argmax;
            if (indices || axes.Any(a => a.Dilation != 1))
            {
                if (!max)
                {
                    throw node.Unsupported("AveragePool with dilations");
                }
                (y, argmax) = MaxPoolWithIndices(node, x4, axes, ceil, columnMajor);
                return oneD ? [y.Squeeze(2), argmax.Squeeze(2)] : [y, argmax];
            }
            PoolAxis rows = Windows(node, x4.Shape[2], axes[0], ceil), cols = Windows(node, x4.Shape[3], axes[1], ceil);
            using (Autograd.NoGrad())
            {
                Function op = max ? new Functions.MaxPool2d(rows, cols) : new Functions.AvgPool2d(rows, cols, countIncludePad);
                y = op.Apply(new Variable(x4)).Data;
            }
            return [oneD ? y.Squeeze(2) : y];
        };
    }

    // How many windows an axis has: floor, or with ceil_mode ceil, of (n + pads - dilated kernel) / stride, plus 1;
    // ceil_mode drops a last window that would start past the input and its begin padding (as PyTorch does).
    private static int WindowCount(int n, Axis axis, bool ceil)
    {
        long span = (long)n + axis.Begin + axis.End - ((long)axis.Dilation * (axis.Kernel - 1)) - 1;
        if (span < 0)
        {
            throw new ArgumentException($"kernel {axis.Kernel} (dilation {axis.Dilation}) is larger than the padded input {n + axis.Begin + axis.End}.");
        }
        long count = (ceil ? (span + axis.Stride - 1) / axis.Stride : span / axis.Stride) + 1;
        if (ceil && (count - 1) * axis.Stride >= n + axis.Begin)
        {
            count--;
        }
        return (int)count;
    }

    // Output i reads [i stride - begin, + kernel) clipped to the input; its padded size stops at the end padding.
    private static PoolAxis Windows(OnnxNode node, int n, Axis axis, bool ceil)
    {
        int count = WindowCount(n, axis, ceil);
        var start = new int[count];
        var end = new int[count];
        var padded = new int[count];
        for (int i = 0; i < count; i++)
        {
            long s = (i * (long)axis.Stride) - axis.Begin, e = s + axis.Kernel;
            padded[i] = (int)(Math.Min(e, n + axis.End) - Math.Max(s, -axis.Begin));
            start[i] = (int)Math.Max(s, 0);
            end[i] = (int)Math.Min(e, n);
            if (start[i] >= end[i])
            {
                throw node.Unsupported($"a pooling window of padding alone (kernel {axis.Kernel}, pads {axis.Begin} and {axis.End})");
            }
        }
        return new PoolAxis(start, end, padded);
    }

    // The naive max pool, for what the kernel does not do: dilated windows, and the flat index of each maximum in x
    // (ONNX's Indices output, int64): plane (n C + c) H W, plus r W + c in row-major storage order or r + c H in column-major.
    private static (Tensor Y, Tensor Indices) MaxPoolWithIndices(OnnxNode node, Tensor x, Axis[] axes, bool ceil, bool columnMajor)
    {
        (int planes, int h, int w) = (x.Shape[0] * x.Shape[1], x.Shape[2], x.Shape[3]);
        int oh = WindowCount(h, axes[0], ceil), ow = WindowCount(w, axes[1], ceil);
        double[] input = x.To(DType.Float64).ToDoubleArray();
        var y = new double[(long)planes * oh * ow];
        var indices = new long[y.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    (double best, long at, long index) = (double.NegativeInfinity, -1, -1);
                    for (int a = 0; a < axes[0].Kernel; a++)
                    {
                        int r = (i * axes[0].Stride) - axes[0].Begin + (a * axes[0].Dilation);
                        for (int b = 0; b < axes[1].Kernel && r >= 0 && r < h; b++)
                        {
                            int c = (j * axes[1].Stride) - axes[1].Begin + (b * axes[1].Dilation);
                            long k = ((long)p * h * w) + ((long)r * w) + c;
                            if (c >= 0 && c < w && (at < 0 || input[k] > best))
                            {
                                (best, at, index) = (input[k], k, ((long)p * h * w) + (columnMajor ? r + ((long)c * h) : ((long)r * w) + c));
                            }
                        }
                    }
                    long o = (((long)p * oh) + i) * ow + j;
                    (y[o], indices[o]) = at >= 0 ? (best, index) : throw node.Unsupported("a pooling window of padding alone");
                }
            }
        }
        Shape shape = new(x.Shape[0], x.Shape[1], oh, ow);
        return (Tensor.FromArray(y, shape).To(x.DType), Tensor.FromArray(indices, shape));
    }

    private static OnnxKernel GlobalAveragePool(OnnxNode node) => x =>
    {
        Tensor t = FloatingPoint(node, x[0]!);
        return t.Rank >= 3 ? [t.Mean([.. Enumerable.Range(2, t.Rank - 2)], keepDims: true)] : throw new ArgumentException($"input {t.Shape} must be (N, C, ...).");
    };

    // Inference form: y = (x - mean) / sqrt(var + epsilon) scale + B, per channel (axis 1).
    private static OnnxKernel BatchNormalization(OnnxNode node)
    {
        float epsilon = node.Float("epsilon", 1e-5f);
        node.Float("momentum", 0.9f); // only training updates the statistics
        if (node.Int("training_mode", 0) != 0)
        {
            throw node.Unsupported("training_mode 1 (ChainRule imports for inference)");
        }
        return x =>
        {
            Tensor t = FloatingPoint(node, x[0]!);
            if (t.Rank < 2)
            {
                throw new ArgumentException($"input {t.Shape} must be (N, C, ...).");
            }
            int[] keep = [1, t.Shape[1], .. Enumerable.Repeat(1, t.Rank - 2)];
            Tensor Channel(int i) => x[i]!.Shape == new Shape(t.Shape[1]) ? x[i]!.To(t.DType).Reshape(keep)
                : throw new ArgumentException($"input {i} {x[i]!.Shape} must be ({t.Shape[1]}), one per channel.");
            Tensor scale = Channel(1) / Tensor.Sqrt(Channel(4) + epsilon);
            return [((t - Channel(3)) * scale) + Channel(2)];
        };
    }

    // Normalizes over the axes from axis on; the optional outputs are the mean and 1 / sqrt(var + epsilon), kept as 1s.
    private static OnnxKernel LayerNormalization(OnnxNode node)
    {
        int axis = node.Int32("axis", -1);
        float epsilon = node.Float("epsilon", 1e-5f);
        if (node.Int("stash_type", 1) != 1)
        {
            throw node.Unsupported($"stash_type {node.Int("stash_type", 1)}");
        }
        return x =>
        {
            Tensor t = FloatingPoint(node, x[0]!);
            int a = Shape.NormalizeAxis(axis, t.Rank, "LayerNormalization");
            Shape normalized = new(t.Shape.Dims[a..]);
            foreach (Tensor? p in x[1..])
            {
                if (p is not null && Shape.Broadcast(p.Shape, normalized, "LayerNormalization") != normalized)
                {
                    throw new ArgumentException($"scale or bias {p.Shape} does not broadcast to the normalized axes {normalized}.");
                }
            }
            int[] axes = [.. Enumerable.Range(a, t.Rank - a)];
            Tensor mean = t.Mean(axes, keepDims: true);
            Tensor centered = t - mean;
            Tensor invStd = 1.0 / Tensor.Sqrt((centered * centered).Mean(axes, keepDims: true) + epsilon);
            Tensor y = centered * invStd * x[1]!;
            return [x.Length > 2 && x[2] is Tensor bias ? y + bias : y, mean, invStd];
        };
    }

    // (N, C, L) as (N, C, 1, L); (N, C, H, W) as it is; other ranks are refused.
    private static (Tensor X, bool OneD) As2d(OnnxNode node, Tensor x) => x.Rank switch
    {
        3 => (x.Unsqueeze(2), true),
        4 => (x, false),
        _ => throw node.Unsupported($"input {x.Shape} ({x.Rank - 2} spatial axes; ChainRule runs 1-d and 2-d)"),
    };

    // A per-axis attribute of a 1-d or 2-d node as two values (the 1-d one's first axis takes fill).
    private static int[]? Spatial(OnnxNode node, int[]? values, bool oneD, int fill, string name)
    {
        if (values is null)
        {
            return null;
        }
        int axes = oneD ? 1 : 2;
        if (values.Length != axes)
        {
            throw new InvalidDataException($"{node.Where}: attribute '{name}' has {values.Length} values for {axes} spatial axes.");
        }
        return oneD ? [fill, values[0]] : values;
    }

    /// <summary>One spatial axis of a convolution or pool: kernel, stride, dilation, padding at its begin and its end.</summary>
    private readonly record struct Axis(int Kernel, int Stride, int Dilation, int Begin, int End);

    /// <summary>The window attributes as written, resolved against the input's shape when the node runs.</summary>
    private sealed record Window(string AutoPad, int[]? Kernel, int[]? Strides, int[]? Dilations, int[]? Pads)
    {
        public const int MaxWindow = 1 << 16;

        public static Window Read(OnnxNode node, bool requireKernel)
        {
            var w = new Window(node.String("auto_pad", "NOTSET"), node.Ints("kernel_shape"), node.Ints("strides"), node.Ints("dilations"), node.Ints("pads"));
            if (w.AutoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            {
                throw node.Bad("auto_pad", $"'{w.AutoPad}' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID");
            }
            if (requireKernel && w.Kernel is null)
            {
                throw new InvalidDataException($"{node.Where}: attribute 'kernel_shape' is required.");
            }
            int[] sizes = [.. w.Kernel ?? [], .. w.Strides ?? [], .. w.Dilations ?? []];
            if (sizes.Any(v => v < 1) || (w.Pads ?? []).Any(p => p < 0))
            {
                throw new InvalidDataException($"{node.Where}: kernel_shape, strides and dilations must be at least 1, pads at least 0.");
            }
            // Far beyond any real model, and small enough that no size computed from them overflows an int.
            if (sizes.Concat(w.Pads ?? []).Any(v => v > MaxWindow))
            {
                throw node.Unsupported($"a kernel_shape, stride, dilation or pad over {MaxWindow}");
            }
            return w;
        }

        /// <param name="weightKernel">The kernel a convolution's weight has (kernel_shape, if given, must agree); null for pools.</param>
        public Axis[] Resolve(OnnxNode node, Shape x, int[]? weightKernel, bool oneD)
        {
            int[] kernel = Spatial(node, Kernel, oneD, 1, "kernel_shape") ?? weightKernel!;
            if (weightKernel is not null && !kernel.SequenceEqual(weightKernel))
            {
                throw new ArgumentException($"kernel_shape ({string.Join(", ", kernel)}) does not match the weight's ({string.Join(", ", weightKernel)}).");
            }
            int[] strides = Spatial(node, Strides, oneD, 1, "strides") ?? [1, 1];
            int[] dilations = Spatial(node, Dilations, oneD, 1, "dilations") ?? [1, 1];
            int[] pads = PadsOf(node, oneD);
            var axes = new Axis[2];
            for (int i = 0; i < 2; i++)
            {
                (int begin, int end) = (pads[i], pads[i + 2]);
                if (AutoPad is "SAME_UPPER" or "SAME_LOWER")
                {
                    int n = x[2 + i], output = (n + strides[i] - 1) / strides[i];
                    int total = Math.Max(((output - 1) * strides[i]) + (dilations[i] * (kernel[i] - 1)) + 1 - n, 0);
                    (begin, end) = AutoPad == "SAME_UPPER" ? (total / 2, total - (total / 2)) : (total - (total / 2), total / 2);
                }
                axes[i] = new Axis(kernel[i], strides[i], dilations[i], begin, end);
            }
            return axes;
        }

        /// <summary>ConvTranspose's pads: given, or split from the total an output_shape or SAME implies (the odd one at the end for SAME_UPPER).</summary>
        public Axis[] ResolveTransposed(OnnxNode node, Shape x, int[] weightKernel, int[] extra, int[]? target, bool oneD)
        {
            Axis[] axes = new Window("NOTSET", Kernel, Strides, Dilations, Pads).Resolve(node, x, weightKernel, oneD);
            if (target is null && AutoPad is not ("SAME_UPPER" or "SAME_LOWER"))
            {
                return axes;
            }
            for (int i = 0; i < 2; i++)
            {
                Axis a = axes[i];
                int n = x[2 + i], output = target?[i] ?? (n * a.Stride);
                int total = (a.Stride * (n - 1)) + extra[i] + (a.Dilation * (a.Kernel - 1)) + 1 - output;
                if (total < 0)
                {
                    throw node.Unsupported($"an output_shape of {output} beyond what padding 0 gives");
                }
                axes[i] = a with { Begin = AutoPad == "SAME_UPPER" ? total / 2 : total - (total / 2), End = AutoPad == "SAME_UPPER" ? total - (total / 2) : total / 2 };
            }
            return axes;
        }

        private int[] PadsOf(OnnxNode node, bool oneD)
        {
            if (Pads is null || AutoPad != "NOTSET")
            {
                return [0, 0, 0, 0];
            }
            int axes = oneD ? 1 : 2;
            if (Pads.Length != 2 * axes)
            {
                throw new InvalidDataException($"{node.Where}: attribute 'pads' has {Pads.Length} values for {axes} spatial axes.");
            }
            return oneD ? [0, Pads[0], 0, Pads[1]] : Pads;
        }
    }
}

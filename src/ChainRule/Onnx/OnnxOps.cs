namespace ChainRule.IO;

/// <summary>A node made ready to run: its inputs (null where an optional one is omitted) to its outputs.</summary>
internal delegate Tensor[] OnnxKernel(Tensor?[] inputs);

/// <summary>An op ChainRule imports: how many inputs and outputs it may have, and how a node of it is compiled.</summary>
internal sealed record OnnxOp(int MinInputs, int MaxInputs, int MaxOutputs, Func<OnnxNode, OnnxKernel> Compile);

/// <summary>
/// The ONNX ops ChainRule runs, opset 1 to 17, each compiled from its node once, at load: the attributes are read
/// there, with the spec's defaults, and whatever an op does not understand is refused then, not when it runs.
/// Elementwise, shape and reduction ops are here; convolution, pooling, normalization and Gemm in OnnxOps.Nn.cs.
/// </summary>
internal static partial class OnnxOps
{
    public static IReadOnlyDictionary<string, OnnxOp> All { get; } = new Dictionary<string, OnnxOp>(StringComparer.Ordinal)
    {
        ["Add"] = new(2, 2, 1, n => Binary(n, Tensor.Add)),
        ["Sub"] = new(2, 2, 1, n => Binary(n, Tensor.Subtract)),
        ["Mul"] = new(2, 2, 1, n => Binary(n, Tensor.Multiply)),
        ["Div"] = new(2, 2, 1, n => Binary(n, Divide)),
        ["MatMul"] = new(2, 2, 1, n => Binary(n, Tensor.MatMul)),
        ["Exp"] = new(1, 1, 1, n => FloatUnary(n, Tensor.Exp)),
        ["Log"] = new(1, 1, 1, n => FloatUnary(n, Tensor.Log)),
        ["Sqrt"] = new(1, 1, 1, n => FloatUnary(n, Tensor.Sqrt)),
        ["Tanh"] = new(1, 1, 1, n => FloatUnary(n, Tensor.Tanh)),
        ["Sigmoid"] = new(1, 1, 1, n => FloatUnary(n, Tensor.Sigmoid)),
        ["Erf"] = new(1, 1, 1, n => FloatUnary(n, Tensor.Erf)),
        ["Relu"] = new(1, 1, 1, n => FloatUnary(n, Tensor.Relu)),
        ["LeakyRelu"] = new(1, 1, 1, LeakyRelu),
        ["Identity"] = new(1, 1, 1, _ => x => [x[0]!]),
        ["Softmax"] = new(1, 1, 1, n => Softmax(n, log: false)),
        ["LogSoftmax"] = new(1, 1, 1, n => Softmax(n, log: true)),
        ["Constant"] = new(0, 0, 1, Constant),
        ["Cast"] = new(1, 1, 1, Cast),
        ["Shape"] = new(1, 1, 1, ShapeOp),
        ["Reshape"] = new(2, 2, 1, Reshape),
        ["Flatten"] = new(1, 1, 1, Flatten),
        ["Transpose"] = new(1, 1, 1, Transpose),
        ["Concat"] = new(1, int.MaxValue, 1, Concat),
        ["Gather"] = new(2, 2, 1, Gather),
        ["Unsqueeze"] = new(1, 2, 1, Unsqueeze),
        ["Pad"] = new(1, 3, 1, Pad),
        ["ReduceSum"] = new(1, 2, 1, n => Reduce(n, mean: false)),
        ["ReduceMean"] = new(1, 1, 1, n => Reduce(n, mean: true)),
        ["Gemm"] = new(2, 3, 1, Gemm),
        ["Conv"] = new(2, 3, 1, Conv),
        ["ConvTranspose"] = new(2, 3, 1, ConvTranspose),
        ["MaxPool"] = new(1, 1, 2, n => Pool(n, max: true)),
        ["AveragePool"] = new(1, 1, 1, n => Pool(n, max: false)),
        ["GlobalAveragePool"] = new(1, 1, 1, GlobalAveragePool),
        ["BatchNormalization"] = new(5, 5, 1, BatchNormalization),
        ["LayerNormalization"] = new(2, 3, 3, LayerNormalization),
    };

    // ONNX's elementwise ops take two tensors of one type and broadcast as NumPy does.
    private static OnnxKernel Binary(OnnxNode node, Func<Tensor, Tensor, Tensor> op) => x =>
    {
        if (x[0]!.DType != x[1]!.DType)
        {
            throw new ArgumentException($"the inputs are {x[0]!.DType.Name()} and {x[1]!.DType.Name()}; {node.OpType} takes two of one type.");
        }
        return [op(x[0]!, x[1]!)];
    };

    // Integer division truncates toward zero (C's, as ONNX Runtime does); float division is IEEE.
    private static Tensor Divide(Tensor a, Tensor b)
    {
        if (a.DType.IsFloatingPoint())
        {
            return Tensor.Divide(a, b);
        }
        Shape shape = Shape.Broadcast(a.Shape, b.Shape, "div");
        long[] x = a.BroadcastTo(shape).To(DType.Int64).ToArray<long>(), y = b.BroadcastTo(shape).To(DType.Int64).ToArray<long>();
        var q = new long[x.Length];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = y[i] != 0 ? x[i] / y[i] : throw new ArgumentException("integer division by zero.");
        }
        return Tensor.FromArray(q, shape).To(a.DType);
    }

    private static OnnxKernel FloatUnary(OnnxNode node, Func<Tensor, Tensor> op) => x => [op(FloatingPoint(node, x[0]!))];

    private static OnnxKernel LeakyRelu(OnnxNode node)
    {
        float alpha = node.Float("alpha", 0.01f);
        return x => [Tensor.LeakyRelu(FloatingPoint(node, x[0]!), alpha)];
    }

    // Opset 13 made (Log)Softmax one axis (default -1); before, it flattened to 2-d at axis (default 1) and normalized each row.
    private static OnnxKernel Softmax(OnnxNode node, bool log)
    {
        bool flatten = node.Opset < 13;
        int axis = node.Int32("axis", flatten ? 1 : -1);
        return x =>
        {
            Tensor t = FloatingPoint(node, x[0]!);
            int a = Shape.NormalizeAxis(axis, t.Rank, node.OpType);
            if (!flatten)
            {
                return [log ? Tensor.LogSoftmax(t, a) : Tensor.Softmax(t, a)];
            }
            Tensor rows = t.Reshape(Product(t.Shape, 0, a), Product(t.Shape, a, t.Rank));
            return [(log ? Tensor.LogSoftmax(rows, 1) : Tensor.Softmax(rows, 1)).Reshape(t.Shape)];
        };
    }

    private static OnnxKernel Constant(OnnxNode node)
    {
        Tensor? value = node.Tensor("value");
        value ??= node.Has("value_float") ? Tensor.Scalar(node.Float("value_float", 0)) : null;
        value ??= node.Floats("value_floats") is float[] floats ? Tensor.FromArray(floats) : null;
        value ??= node.Has("value_int") ? Tensor.Scalar(node.Int("value_int", 0), DType.Int64) : null;
        value ??= node.Longs("value_ints") is long[] ints ? Tensor.FromArray(ints) : null;
        node.RefuseUnread(); // sparse_value, value_string(s): refused by name before the missing-value message
        if (value is null || node.Proto.Attribute.Count != 1)
        {
            throw new InvalidDataException($"{node.Where}: needs exactly one value attribute.");
        }
        return _ => [value];
    }

    private static OnnxKernel Cast(OnnxNode node)
    {
        if (!node.Has("to"))
        {
            throw new InvalidDataException($"{node.Where}: attribute 'to' is required.");
        }
        DType to = OnnxTensors.DTypeOf(node.Int32("to", 0), node.Where);
        return x => [x[0]!.To(to)];
    }

    // Shape, sliced by start and end (opset 15; clamped to the rank, as Python slices are).
    private static OnnxKernel ShapeOp(OnnxNode node)
    {
        long start = node.Int("start", 0), end = node.Int("end", long.MaxValue);
        return x =>
        {
            long[] dims = [.. x[0]!.Shape.ToArray().Select(d => (long)d)];
            int Clamp(long i) => (int)Math.Clamp(i < 0 ? i + dims.Length : i, 0, dims.Length);
            int s = Clamp(start), e = Clamp(end);
            return [Tensor.FromArray(dims[s..Math.Max(s, e)])];
        };
    }

    // Reshape: 0 copies the input's dimension (unless allowzero, opset 14), -1 is inferred.
    private static OnnxKernel Reshape(OnnxNode node)
    {
        bool allowZero = node.Int("allowzero", 0) != 0;
        return x =>
        {
            Tensor t = x[0]!;
            long[] target = Integers(node, x[1]!, "shape");
            var dims = new int[target.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                long d = target[i] == 0 && !allowZero ? (i < t.Rank ? t.Shape[i] : throw new ArgumentException($"shape entry {i} is 0, copying an axis input {t.Shape} does not have."))
                    : target[i];
                dims[i] = d is >= -1 and <= int.MaxValue ? (int)d : throw new ArgumentException($"shape entry {i} is {d}.");
            }
            return [t.Reshape(dims)];
        };
    }

    private static OnnxKernel Flatten(OnnxNode node)
    {
        int axis = node.Int32("axis", 1);
        return x =>
        {
            Tensor t = x[0]!;
            int a = axis < 0 ? axis + t.Rank : axis;
            if (a < 0 || a > t.Rank)
            {
                throw new ArgumentException($"axis {axis} is outside [-{t.Rank}, {t.Rank}] for input {t.Shape}.");
            }
            return [t.Reshape(Product(t.Shape, 0, a), Product(t.Shape, a, t.Rank))];
        };
    }

    private static OnnxKernel Transpose(OnnxNode node)
    {
        int[]? perm = node.Ints("perm");
        return x => [x[0]!.Permute(perm ?? [.. Enumerable.Range(0, x[0]!.Rank).Reverse()]).Contiguous()];
    }

    private static OnnxKernel Concat(OnnxNode node)
    {
        if (!node.Has("axis"))
        {
            throw new InvalidDataException($"{node.Where}: attribute 'axis' is required.");
        }
        int axis = node.Int32("axis", 0);
        return x =>
        {
            if (x.Any(t => t is null) || x.Any(t => t!.DType != x[0]!.DType))
            {
                throw new ArgumentException("the inputs must all be given and of one type.");
            }
            return [Tensor.Concat(x!, axis)];
        };
    }

    // Gather is numpy.take: indices (negative ones count from the end) pick whole slices along axis.
    private static OnnxKernel Gather(OnnxNode node)
    {
        int axis = node.Int32("axis", 0);
        return x =>
        {
            Tensor data = x[0]!;
            int a = Shape.NormalizeAxis(axis, data.Rank, "Gather");
            long[] indices = Integers(node, x[1]!, "indices");
            int n = data.Shape[a];
            var wrapped = new long[indices.Length];
            for (int i = 0; i < indices.Length; i++)
            {
                long j = indices[i] < 0 ? indices[i] + n : indices[i];
                wrapped[i] = j >= 0 && j < n ? j : throw new ArgumentException($"index {indices[i]} is outside [-{n}, {n}) for axis {a} of {data.Shape}.");
            }
            return [data.Take(Tensor.FromArray(wrapped, x[1]!.Shape), a)];
        };
    }

    // Unsqueeze: axes an attribute until opset 13, an input since; each counts in the output's rank.
    private static OnnxKernel Unsqueeze(OnnxNode node)
    {
        int[]? attribute = node.Opset < 13 ? node.Ints("axes") ?? throw new InvalidDataException($"{node.Where}: attribute 'axes' is required.") : null;
        if (node.Opset >= 13 && node.InputCount != 2)
        {
            throw new InvalidDataException($"{node.Where}: input 'axes' is required since opset 13.");
        }
        return x =>
        {
            Tensor t = x[0]!;
            long[] axes = attribute is null ? Integers(node, x[1]!, "axes") : [.. attribute.Select(a => (long)a)];
            int rank = t.Rank + axes.Length;
            int[] normalized = [.. axes.Select(a => a >= -rank && a < rank ? (int)(a < 0 ? a + rank : a) : throw new ArgumentException($"axis {a} is outside [-{rank}, {rank})."))];
            if (normalized.Distinct().Count() != normalized.Length)
            {
                throw new ArgumentException($"axes ({string.Join(", ", axes)}) repeat an axis.");
            }
            var dims = new List<int>(t.Shape.ToArray());
            foreach (int a in normalized.Order())
            {
                dims.Insert(a, 1);
            }
            return [t.Reshape([.. dims])];
        };
    }

    // Pad: pads (every axis's begin, then every end; negative crops) an attribute until opset 11, an input since; mode
    // constant (with value, default 0), edge (repeats the border) or reflect (mirrors it, the border not repeated).
    private static OnnxKernel Pad(OnnxNode node)
    {
        string mode = node.String("mode", "constant");
        if (mode is not ("constant" or "edge" or "reflect"))
        {
            throw node.Bad("mode", $"'{mode}' is not constant, edge or reflect");
        }
        bool attributes = node.Opset < 11;
        long[]? padsAttribute = attributes ? node.Longs("pads") ?? throw new InvalidDataException($"{node.Where}: attribute 'pads' is required.") : null;
        float valueAttribute = attributes ? node.Float("value", 0) : 0;
        return x =>
        {
            Tensor t = x[0]!;
            long[] pads = padsAttribute ?? Integers(node, x[1] ?? throw new ArgumentException("input 'pads' is required."), "pads");
            if (pads.Length != 2 * t.Rank)
            {
                throw new ArgumentException($"pads has {pads.Length} values for the {t.Rank} axes of {t.Shape}.");
            }
            double value = attributes ? valueAttribute : x.Length > 2 && x[2] is Tensor v ? (v.Size == 1 ? v.To(DType.Float64).ToDoubleArray()[0] : throw new ArgumentException($"constant_value {v.Shape} must be one value.")) : 0;
            for (int axis = 0; axis < t.Rank; axis++)
            {
                (long begin, long end, int n) = (pads[axis], pads[axis + t.Rank], t.Shape[axis]);
                if (begin < 0 || end < 0)
                {
                    long from = Math.Max(-begin, 0), to = n - Math.Max(-end, 0);
                    t = from <= to ? t.Slice(axis, (int)from, (int)to) : throw new ArgumentException($"pads ({begin}, {end}) crop more than axis {axis}'s {n}.");
                    (begin, end, n) = (Math.Max(begin, 0), Math.Max(end, 0), t.Shape[axis]);
                }
                if (begin + n + end > int.MaxValue / 2)
                {
                    throw new ArgumentException($"pads ({begin}, {end}) are too large.");
                }
                if (begin == 0 && end == 0)
                {
                    continue;
                }
                if (mode == "constant")
                {
                    int[] dims = t.Shape.ToArray();
                    dims[axis] = (int)(begin + n + end);
                    Tensor padded = Tensor.Full(dims, value, t.DType);
                    padded.Slice(axis, (int)begin, (int)begin + n).CopyFrom(t);
                    t = padded;
                    continue;
                }
                if (n == 0 || (mode == "reflect" && (begin >= n || end >= n)))
                {
                    throw node.Unsupported($"{mode} padding ({begin}, {end}) of an axis of {n}");
                }
                long[] source = [.. Enumerable.Range(0, (int)(begin + n + end)).Select(i => i - begin).Select(i => mode == "edge"
                    ? Math.Clamp(i, 0, n - 1)
                    : i < 0 ? -i : i >= n ? (2 * (n - 1)) - i : i)];
                t = t.Take(Tensor.FromArray(source), axis);
            }
            return [t.Contiguous()];
        };
    }

    // ReduceSum's axes became an input in opset 13 (with noop_with_empty_axes); ReduceMean's stay an attribute until 18.
    private static OnnxKernel Reduce(OnnxNode node, bool mean)
    {
        bool keepDims = node.Int("keepdims", 1) != 0;
        bool axesInput = !mean && node.Opset >= 13;
        int[]? attribute = axesInput ? null : node.Ints("axes");
        bool noop = axesInput && node.Int("noop_with_empty_axes", 0) != 0;
        return x =>
        {
            Tensor t = x[0]!;
            long[] axes = axesInput ? (x.Length > 1 && x[1] is Tensor given ? Integers(node, given, "axes") : []) : [.. (attribute ?? []).Select(a => (long)a)];
            if (axes.Length == 0)
            {
                if (noop)
                {
                    return [t];
                }
                axes = [.. Enumerable.Range(0, t.Rank).Select(a => (long)a)];
            }
            int[] normalized = [.. axes.Select(a => a >= -t.Rank && a < t.Rank ? (int)(a < 0 ? a + t.Rank : a) : throw new ArgumentException($"axis {a} is outside [-{t.Rank}, {t.Rank}) for {t.Shape}."))];
            if (mean && !t.DType.IsFloatingPoint())
            {
                throw node.Unsupported($"ReduceMean of {t.DType.Name()}");
            }
            return [mean ? t.Mean(normalized, keepDims) : t.Sum(normalized, keepDims).To(t.DType)];
        };
    }

    private static Tensor FloatingPoint(OnnxNode node, Tensor x) =>
        x.DType.IsFloatingPoint() ? x : throw node.Unsupported($"input of type {x.DType.Name()}");

    /// <summary>An int32 or int64 tensor's values (shapes, axes, indices).</summary>
    private static long[] Integers(OnnxNode node, Tensor t, string what) => t.DType is DType.Int64 or DType.Int32
        ? t.To(DType.Int64).ToArray<long>()
        : throw new ArgumentException($"{what} must be int64, not {t.DType.Name()} ({node.OpType}).");

    private static int Product(Shape shape, int from, int to)
    {
        long p = 1;
        for (int i = from; i < to; i++)
        {
            p *= shape[i];
        }
        return (int)p;
    }
}

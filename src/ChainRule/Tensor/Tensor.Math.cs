using System.Numerics;
using System.Numerics.Tensors;
using ChainRule.Kernels;

namespace ChainRule;

// Elementwise math on tensors, no graph. Binary operations broadcast (NumPy rules) and promote
// float32 with float64 to float64; C# scalars take the tensor's type. Each public method is one line
// naming its kernel op; the two drivers at the bottom do dtype dispatch, broadcasting and allocation.
public sealed partial class Tensor
{
    // ---- arithmetic ------------------------------------------------------------------------

    public static Tensor Add(Tensor x, Tensor y) => Binary<AddOp>(x, y, "add");

    public static Tensor Subtract(Tensor x, Tensor y) => Binary<SubtractOp>(x, y, "subtract");

    public static Tensor Multiply(Tensor x, Tensor y) => Binary<MultiplyOp>(x, y, "multiply");

    public static Tensor Divide(Tensor x, Tensor y) => Binary<DivideOp>(x, y, "divide");

    public static Tensor Negate(Tensor x) => Unary<NegateOp>(x);

    public static Tensor Pow(Tensor x, Tensor y) => Binary<PowOp>(x, y, "pow");

    public static Tensor Pow(Tensor x, double y) => Binary<PowOp>(x, ScalarLike(y, x), "pow");

    public static Tensor Maximum(Tensor x, Tensor y) => Binary<MaximumOp>(x, y, "maximum");

    public static Tensor Minimum(Tensor x, Tensor y) => Binary<MinimumOp>(x, y, "minimum");

    public static Tensor operator +(Tensor x, Tensor y) => Add(x, y);

    public static Tensor operator +(Tensor x, double y) => Add(x, ScalarLike(y, x));

    public static Tensor operator +(double x, Tensor y) => Add(ScalarLike(x, y), y);

    public static Tensor operator -(Tensor x, Tensor y) => Subtract(x, y);

    public static Tensor operator -(Tensor x, double y) => Subtract(x, ScalarLike(y, x));

    public static Tensor operator -(double x, Tensor y) => Subtract(ScalarLike(x, y), y);

    public static Tensor operator *(Tensor x, Tensor y) => Multiply(x, y);

    public static Tensor operator *(Tensor x, double y) => Multiply(x, ScalarLike(y, x));

    public static Tensor operator *(double x, Tensor y) => Multiply(ScalarLike(x, y), y);

    public static Tensor operator /(Tensor x, Tensor y) => Divide(x, y);

    public static Tensor operator /(Tensor x, double y) => Divide(x, ScalarLike(y, x));

    public static Tensor operator /(double x, Tensor y) => Divide(ScalarLike(x, y), y);

    public static Tensor operator -(Tensor x) => Negate(x);

    // ---- unary math ------------------------------------------------------------------------

    public static Tensor Exp(Tensor x) => Unary<ExpOp>(x);

    public static Tensor Log(Tensor x) => Unary<LogOp>(x);

    public static Tensor Sqrt(Tensor x) => Unary<SqrtOp>(x);

    public static Tensor Abs(Tensor x) => Unary<AbsOp>(x);

    public static Tensor Sign(Tensor x) => Unary<VectorizedUnary<SignOp>>(x);

    public static Tensor Sin(Tensor x) => Unary<SinOp>(x);

    public static Tensor Cos(Tensor x) => Unary<CosOp>(x);

    /// <summary>arcsin x, in [-π/2, π/2]; NaN outside [-1, 1].</summary>
    public static Tensor Asin(Tensor x) => Unary<AsinOp>(x);

    public static Tensor Erf(Tensor x) => Unary<ErfOp>(x);

    // ---- activations -----------------------------------------------------------------------

    public static Tensor Tanh(Tensor x) => Unary<TanhOp>(x);

    public static Tensor Sigmoid(Tensor x) => Unary<SigmoidOp>(x);

    public static Tensor Relu(Tensor x) => Unary<ReluOp>(x);

    /// <summary>x where x &gt; 0, else slope * x.</summary>
    public static Tensor LeakyRelu(Tensor x, double slope = 0.01) => Binary<Vectorized<LeakyReluOp>>(x, ScalarLike(slope, x), "leaky_relu");

    /// <summary>The exact GELU, x * Phi(x) with Phi the standard normal CDF.</summary>
    public static Tensor Gelu(Tensor x) => Unary<GeluOp>(x);

    /// <summary>ln(1 + e^x), stable for large |x|.</summary>
    public static Tensor Softplus(Tensor x) => Unary<SoftplusOp>(x);

    /// <summary>min(max(x, min), max).</summary>
    public static Tensor Clamp(Tensor x, double min, double max) =>
        min > max ? throw new ArgumentException($"clamp: min {min} is greater than max {max}.")
        : Minimum(Maximum(x, ScalarLike(min, x)), ScalarLike(max, x));

    // ---- fused activation gradients (what the Backward of Tanh, Sigmoid and Relu computes) ----

    /// <summary>gy * (1 - y^2), y = tanh x.</summary>
    internal static Tensor TanhBackward(Tensor gy, Tensor y) => Binary<Vectorized<TanhGradOp>>(gy, y, "tanh_backward");

    /// <summary>gy * y * (1 - y), y = sigmoid x.</summary>
    internal static Tensor SigmoidBackward(Tensor gy, Tensor y) => Binary<Vectorized<SigmoidGradOp>>(gy, y, "sigmoid_backward");

    /// <summary>gy where x &gt; 0, else 0.</summary>
    internal static Tensor ReluBackward(Tensor gy, Tensor x) => Binary<Vectorized<ReluGradOp>>(gy, x, "relu_backward");

    // ---- comparisons: 1 where true, 0 where false, in the promoted float type ----------------

    public static Tensor Equal(Tensor x, Tensor y) => Binary<Vectorized<EqualOp>>(x, y, "equal");

    public static Tensor NotEqual(Tensor x, Tensor y) => Binary<Vectorized<NotEqualOp>>(x, y, "not_equal");

    public static Tensor Less(Tensor x, Tensor y) => Binary<Vectorized<LessOp>>(x, y, "less");

    public static Tensor LessEqual(Tensor x, Tensor y) => Binary<Vectorized<LessEqualOp>>(x, y, "less_equal");

    public static Tensor Greater(Tensor x, Tensor y) => Binary<Vectorized<GreaterOp>>(x, y, "greater");

    public static Tensor GreaterEqual(Tensor x, Tensor y) => Binary<Vectorized<GreaterEqualOp>>(x, y, "greater_equal");

    public static Tensor Greater(Tensor x, double y) => Greater(x, ScalarLike(y, x));

    public static Tensor Less(Tensor x, double y) => Less(x, ScalarLike(y, x));

    /// <summary>Elementwise choice: x where condition is non-zero, else y (all three broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y)
    {
        DType dtype = DTypes.Promote(x.DType, y.DType);
        Shape shape = Shape.Broadcast(Shape.Broadcast(condition.Shape, x.Shape, "where"), y.Shape, "where");
        Tensor c = condition.To(dtype).BroadcastTo(shape).Contiguous();
        Tensor a = x.To(dtype).BroadcastTo(shape).Contiguous();
        Tensor b = y.To(dtype).BroadcastTo(shape).Contiguous();
        Tensor result = Uninitialized(shape, dtype);
        if (dtype == DType.Float32)
        {
            Select<float>(c, a, b, result);
        }
        else
        {
            Select<double>(c, a, b, result);
        }
        return result;

        static void Select<T>(Tensor c, Tensor a, Tensor b, Tensor result) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> cs = c.AsSpan<T>(), xs = a.AsSpan<T>(), ys = b.AsSpan<T>();
            Span<T> d = result.AsSpan<T>();
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = cs[i] != T.Zero ? xs[i] : ys[i];
            }
        }
    }

    /// <summary>True when every element is finite (no NaN, no infinity).</summary>
    public bool IsFinite()
    {
        Tensor x = Contiguous();
        return DType == DType.Float32 ? TensorPrimitives.IsFiniteAll<float>(x.AsSpan<float>()) : TensorPrimitives.IsFiniteAll<double>(x.AsSpan<double>());
    }

    // ---- drivers ---------------------------------------------------------------------------

    private static Tensor ScalarLike(double value, Tensor like) => Scalar(value, like.DType);

    private static Tensor Unary<TOp>(Tensor x) where TOp : IUnaryOp
    {
        Tensor source = x.Contiguous();
        Tensor y = Uninitialized(x.Shape, x.DType);
        if (x.Size == 1)
        {
            // NOTE: one value (0-d tensors, the small-graph case) skips the span machinery: ~15 ns per call.
            if (x.DType == DType.Float32)
            {
                y.AsSpan<float>()[0] = TOp.Invoke(x.First<float>());
            }
            else
            {
                y.AsSpan<double>()[0] = TOp.Invoke(x.First<double>());
            }
        }
        else if (x.DType == DType.Float32)
        {
            TOp.Invoke(source.AsSpan<float>(), y.AsSpan<float>());
        }
        else
        {
            TOp.Invoke(source.AsSpan<double>(), y.AsSpan<double>());
        }
        return y;
    }

    private static Tensor Binary<TOp>(Tensor x, Tensor y, string op) where TOp : IBinaryOp
    {
        DType dtype = DTypes.Promote(x.DType, y.DType);
        x = x.DType == dtype ? x : x.To(dtype);
        y = y.DType == dtype ? y : y.To(dtype);
        Tensor z = Uninitialized(Shape.Broadcast(x.Shape, y.Shape, op), dtype);
        if (dtype == DType.Float32)
        {
            Binary<TOp, float>(x, y, z);
        }
        else
        {
            Binary<TOp, double>(x, y, z);
        }
        return z;
    }

    private static void Binary<TOp, T>(Tensor x, Tensor y, Tensor z)
        where TOp : IBinaryOp
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Fast paths first: same-shape contiguous operands, or one side a single value.
        bool xFull = x.Shape == z.Shape && x.IsContiguous;
        bool yFull = y.Shape == z.Shape && y.IsContiguous;
        if (z.Size == 1)
        {
            z.AsSpan<T>()[0] = TOp.Invoke(x.First<T>(), y.First<T>()); // one value: no span machinery
        }
        else if (xFull && yFull)
        {
            TOp.Invoke(x.AsSpan<T>(), y.AsSpan<T>(), z.AsSpan<T>());
        }
        else if (xFull && y.Size == 1)
        {
            TOp.Invoke(x.AsSpan<T>(), y.First<T>(), z.AsSpan<T>());
        }
        else if (yFull && x.Size == 1)
        {
            TOp.Invoke(x.First<T>(), y.AsSpan<T>(), z.AsSpan<T>());
        }
        else
        {
            int rank = z.Rank;
            Span<int> sx = rank <= LoopNest.StackRank ? stackalloc int[rank] : new int[rank];
            Span<int> sy = rank <= LoopNest.StackRank ? stackalloc int[rank] : new int[rank];
            Elementwise.Binary<TOp, T>(x.AsStrided<T>(z.Shape, sx), y.AsStrided<T>(z.Shape, sy), z.Shape.Dims, z.AsSpan<T>());
        }
    }

    internal T First<T>() => ((T[])Buffer)[Offset];
}

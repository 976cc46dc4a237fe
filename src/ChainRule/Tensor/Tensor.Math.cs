using System.Numerics;
using System.Numerics.Tensors;
using ChainRule.Kernels;

namespace ChainRule;

// Elementwise math on tensors, no graph. Binary operations broadcast (NumPy rules) and promote as PyTorch
// does (DTypes.ResultType): Bool < UInt8 < Int32 < Int64 < Float32 < Float64, a 0-d tensor or a C# scalar
// changing only the kind. Integer arithmetic wraps; true division of integers gives Float32; floor division
// and remainder round toward negative infinity; comparisons give Bool. Float-only functions (exp, log,
// tanh, ...) compute integer and bool inputs in Float32, as torch does. Each public method is one line
// naming its kernel op; the drivers at the bottom do dtype dispatch, broadcasting and allocation.
public sealed partial class Tensor
{
    // ---- arithmetic ------------------------------------------------------------------------

    /// <summary>x + y; on two Bool tensors, logical or (as torch).</summary>
    public static Tensor Add(Tensor x, Tensor y) => IsBoolPair(x, y) ? LogicalOr(x, y) : Arithmetic<AddOp, IntegerAddOp>(x, y, "add");

    /// <summary>x - y. A Bool operand is refused, as torch does.</summary>
    public static Tensor Subtract(Tensor x, Tensor y) => IsBoolPair(x, y)
        ? throw new ArgumentException("subtract: bool - bool is not supported; use LogicalXor (the ^ operator).")
        : x.DType == DType.Bool || y.DType == DType.Bool
        ? throw new ArgumentException($"subtract: {x.DType.Name()} - {y.DType.Name()} is not supported with a bool operand; convert the mask with .To(dtype), or use LogicalNot (!) to invert it.")
        : Arithmetic<SubtractOp, IntegerSubtractOp>(x, y, "subtract");

    /// <summary>x * y; on two Bool tensors, logical and (as torch).</summary>
    public static Tensor Multiply(Tensor x, Tensor y) => IsBoolPair(x, y) ? LogicalAnd(x, y) : Arithmetic<MultiplyOp, IntegerMultiplyOp>(x, y, "multiply");

    /// <summary>True division: integers and bools divide in Float32 (torch's <c>/</c>).</summary>
    public static Tensor Divide(Tensor x, Tensor y)
    {
        DType dtype = DTypes.FloatingOf(DTypes.ResultType(x, y));
        return Arithmetic<DivideOp, IntegerAddOp>(x.To(dtype), y.To(dtype), "divide");
    }

    /// <summary>floor(x / y) (torch.floor_divide, Python's <c>//</c>). Integer division by zero is refused.</summary>
    public static Tensor FloorDivide(Tensor x, Tensor y) => IsBoolPair(x, y)
        ? throw new ArgumentException("floor_divide: bool // bool is not supported; convert to an integer type first.")
        : Arithmetic<FloorDivideOp, IntegerLoop<IntegerFloorDivideOp>>(x, y, "floor_divide", checkZeroDivisor: true);

    /// <summary>x - floor(x / y) * y, with the divisor's sign (torch.remainder, Python's <c>%</c>). Integer division by zero is refused.</summary>
    public static Tensor Remainder(Tensor x, Tensor y) => IsBoolPair(x, y)
        ? throw new ArgumentException("remainder: bool % bool is not supported; convert to an integer type first.")
        : Arithmetic<RemainderOp, IntegerLoop<IntegerRemainderOp>>(x, y, "remainder", checkZeroDivisor: true);

    /// <summary>-x. Bool is refused (use LogicalNot).</summary>
    public static Tensor Negate(Tensor x) => x.DType.IsFloatingPoint() ? Unary<NegateOp>(x)
        : x.DType == DType.Bool ? throw new ArgumentException("negate: -bool is not supported; use LogicalNot (the ! operator).")
        : Subtract(ZerosLike(x), x);

    public static Tensor Pow(Tensor x, Tensor y)
    {
        DType dtype = DTypes.ResultType(x, y);
        if (dtype.IsInteger() && y.DType != DType.Bool && LessThanZeroAnywhere(y))
        {
            throw new ArgumentException($"pow: integers to negative integer powers are not supported ({x.DType.Name()} ^ {y.DType.Name()}); convert to a floating type first.");
        }
        return IsBoolPair(x, y)
            ? throw new ArgumentException("pow: bool ^ bool is not supported; convert to an integer type first.")
            : Arithmetic<PowOp, IntegerLoop<IntegerPowOp>>(x, y, "pow");
    }

    public static Tensor Pow(Tensor x, double y) => Pow(x, ScalarFor(y, x));

    public static Tensor Maximum(Tensor x, Tensor y) => IsBoolPair(x, y) ? LogicalOr(x, y) : Arithmetic<MaximumOp, IntegerMaximumOp>(x, y, "maximum");

    public static Tensor Minimum(Tensor x, Tensor y) => IsBoolPair(x, y) ? LogicalAnd(x, y) : Arithmetic<MinimumOp, IntegerMinimumOp>(x, y, "minimum");

    public static Tensor operator +(Tensor x, Tensor y) => Add(x, y);

    public static Tensor operator +(Tensor x, double y) => Add(x, ScalarFor(y, x));

    public static Tensor operator +(double x, Tensor y) => Add(ScalarFor(x, y), y);

    public static Tensor operator +(Tensor x, long y) => Add(x, ScalarFor(y, x));

    public static Tensor operator +(long x, Tensor y) => Add(ScalarFor(x, y), y);

    public static Tensor operator -(Tensor x, Tensor y) => Subtract(x, y);

    public static Tensor operator -(Tensor x, double y) => Subtract(x, ScalarFor(y, x));

    public static Tensor operator -(double x, Tensor y) => Subtract(ScalarFor(x, y), y);

    public static Tensor operator -(Tensor x, long y) => Subtract(x, ScalarFor(y, x));

    public static Tensor operator -(long x, Tensor y) => Subtract(ScalarFor(x, y), y);

    public static Tensor operator *(Tensor x, Tensor y) => Multiply(x, y);

    public static Tensor operator *(Tensor x, double y) => Multiply(x, ScalarFor(y, x));

    public static Tensor operator *(double x, Tensor y) => Multiply(ScalarFor(x, y), y);

    public static Tensor operator *(Tensor x, long y) => Multiply(x, ScalarFor(y, x));

    public static Tensor operator *(long x, Tensor y) => Multiply(ScalarFor(x, y), y);

    public static Tensor operator /(Tensor x, Tensor y) => Divide(x, y);

    public static Tensor operator /(Tensor x, double y) => Divide(x, ScalarFor(y, x));

    public static Tensor operator /(double x, Tensor y) => Divide(ScalarFor(x, y), y);

    public static Tensor operator /(Tensor x, long y) => Divide(x, ScalarFor(y, x));

    public static Tensor operator /(long x, Tensor y) => Divide(ScalarFor(x, y), y);

    /// <summary>Remainder with the divisor's sign (Python's and torch's %, not C#'s).</summary>
    public static Tensor operator %(Tensor x, Tensor y) => Remainder(x, y);

    public static Tensor operator %(Tensor x, long y) => Remainder(x, ScalarFor(y, x));

    public static Tensor operator %(Tensor x, double y) => Remainder(x, ScalarFor(y, x));

    public static Tensor operator -(Tensor x) => Negate(x);

    // ---- unary math: integer and bool inputs compute in Float32 -----------------------------

    public static Tensor Exp(Tensor x) => FloatUnary<ExpOp>(x);

    public static Tensor Log(Tensor x) => FloatUnary<LogOp>(x);

    public static Tensor Sqrt(Tensor x) => FloatUnary<SqrtOp>(x);

    /// <summary>|x|; integers keep their type (|MinValue| wraps to MinValue, as two's complement). Bool is refused.</summary>
    public static Tensor Abs(Tensor x) => x.DType.IsFloatingPoint() ? Unary<AbsOp>(x)
        : x.DType == DType.Bool ? throw new ArgumentException("abs: bool is not supported.")
        : x.DType == DType.UInt8 ? x.Clone() : Maximum(x, Negate(x));

    /// <summary>-1, 0 or 1 in the input's type (NaN stays NaN); bool stays bool.</summary>
    public static Tensor Sign(Tensor x) => x.DType.IsFloatingPoint() ? Unary<VectorizedUnary<SignOp>>(x)
        : x.DType == DType.Bool ? x.Clone()
        : Subtract(Greater(x, ScalarFor(0L, x)).To(x.DType), Less(x, ScalarFor(0L, x)).To(x.DType));

    public static Tensor Sin(Tensor x) => FloatUnary<SinOp>(x);

    public static Tensor Cos(Tensor x) => FloatUnary<CosOp>(x);

    /// <summary>arcsin x, in [-π/2, π/2]; NaN outside [-1, 1].</summary>
    public static Tensor Asin(Tensor x) => FloatUnary<AsinOp>(x);

    public static Tensor Erf(Tensor x) => FloatUnary<ErfOp>(x);

    // ---- activations -----------------------------------------------------------------------

    public static Tensor Tanh(Tensor x) => FloatUnary<TanhOp>(x);

    public static Tensor Sigmoid(Tensor x) => FloatUnary<SigmoidOp>(x);

    /// <summary>max(x, 0); integers keep their type.</summary>
    public static Tensor Relu(Tensor x) => x.DType.IsFloatingPoint() ? Unary<ReluOp>(x)
        : x.DType == DType.Bool ? throw new ArgumentException("relu: bool is not supported.")
        : Maximum(x, ScalarFor(0L, x));

    /// <summary>x where x &gt; 0, else slope * x.</summary>
    public static Tensor LeakyRelu(Tensor x, double slope = 0.01)
    {
        x = x.To(DTypes.FloatingOf(x.DType));
        return Binary<Vectorized<LeakyReluOp>>(x, Scalar(slope, x.DType), "leaky_relu");
    }

    /// <summary>The exact GELU, x * Phi(x) with Phi the standard normal CDF.</summary>
    public static Tensor Gelu(Tensor x) => FloatUnary<GeluOp>(x);

    /// <summary>ln(1 + e^x), stable for large |x|.</summary>
    public static Tensor Softplus(Tensor x) => FloatUnary<SoftplusOp>(x);

    /// <summary>min(max(x, min), max); an integer tensor stays integer when the bounds are whole numbers.</summary>
    public static Tensor Clamp(Tensor x, double min, double max) =>
        min > max ? throw new ArgumentException($"clamp: min {min} is greater than max {max}.")
        : Minimum(Maximum(x, ScalarFor(min, x)), ScalarFor(max, x));

    // ---- fused activation gradients (what the Backward of Tanh, Sigmoid and Relu computes) ----

    /// <summary>gy * (1 - y^2), y = tanh x.</summary>
    internal static Tensor TanhBackward(Tensor gy, Tensor y) => Binary<Vectorized<TanhGradOp>>(gy, y, "tanh_backward");

    /// <summary>gy * y * (1 - y), y = sigmoid x.</summary>
    internal static Tensor SigmoidBackward(Tensor gy, Tensor y) => Binary<Vectorized<SigmoidGradOp>>(gy, y, "sigmoid_backward");

    /// <summary>gy where x &gt; 0, else 0.</summary>
    internal static Tensor ReluBackward(Tensor gy, Tensor x) => Binary<Vectorized<ReluGradOp>>(gy, x, "relu_backward");

    // ---- comparisons: Bool results, operands promoted as for arithmetic -----------------------

    public static Tensor Equal(Tensor x, Tensor y) => Compare<EqualOp>(x, y, "equal");

    public static Tensor NotEqual(Tensor x, Tensor y) => Compare<NotEqualOp>(x, y, "not_equal");

    public static Tensor Less(Tensor x, Tensor y) => Compare<LessOp>(x, y, "less");

    public static Tensor LessEqual(Tensor x, Tensor y) => Compare<LessEqualOp>(x, y, "less_equal");

    public static Tensor Greater(Tensor x, Tensor y) => Compare<GreaterOp>(x, y, "greater");

    public static Tensor GreaterEqual(Tensor x, Tensor y) => Compare<GreaterEqualOp>(x, y, "greater_equal");

    public static Tensor Greater(Tensor x, double y) => Greater(x, ScalarFor(y, x));

    public static Tensor Less(Tensor x, double y) => Less(x, ScalarFor(y, x));

    /// <summary>Elementwise equality as a Bool tensor, as torch's <c>==</c>: write <c>(pred == labels).To(DType.Float32).Mean()</c>.
    /// Identity of tensor objects is <see cref="object.ReferenceEquals"/>; null checks are <c>is null</c>.</summary>
    public static Tensor operator ==(Tensor x, Tensor y) => Equal(x, y);

    public static Tensor operator !=(Tensor x, Tensor y) => NotEqual(x, y);

    public static Tensor operator ==(Tensor x, long y) => Equal(x, ScalarFor(y, x));

    public static Tensor operator !=(Tensor x, long y) => NotEqual(x, ScalarFor(y, x));

    public static Tensor operator ==(Tensor x, double y) => Equal(x, ScalarFor(y, x));

    public static Tensor operator !=(Tensor x, double y) => NotEqual(x, ScalarFor(y, x));

    public static Tensor operator <(Tensor x, Tensor y) => Less(x, y);

    public static Tensor operator >(Tensor x, Tensor y) => Greater(x, y);

    public static Tensor operator <=(Tensor x, Tensor y) => LessEqual(x, y);

    public static Tensor operator >=(Tensor x, Tensor y) => GreaterEqual(x, y);

    public static Tensor operator <(Tensor x, double y) => Less(x, ScalarFor(y, x));

    public static Tensor operator >(Tensor x, double y) => Greater(x, ScalarFor(y, x));

    public static Tensor operator <=(Tensor x, double y) => LessEqual(x, ScalarFor(y, x));

    public static Tensor operator >=(Tensor x, double y) => GreaterEqual(x, ScalarFor(y, x));

    public static Tensor operator <(Tensor x, long y) => Less(x, ScalarFor(y, x));

    public static Tensor operator >(Tensor x, long y) => Greater(x, ScalarFor(y, x));

    public static Tensor operator <=(Tensor x, long y) => LessEqual(x, ScalarFor(y, x));

    public static Tensor operator >=(Tensor x, long y) => GreaterEqual(x, ScalarFor(y, x));

    /// <summary>Reference identity: a Tensor is a handle, so collections keyed by tensors key by object. Elementwise equality is <c>==</c>.</summary>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    // ---- logical and bitwise ---------------------------------------------------------------

    /// <summary>x and y as truth values (non-zero is true): a Bool tensor.</summary>
    public static Tensor LogicalAnd(Tensor x, Tensor y) => Bitwise<BitwiseAndOp>(x.To(DType.Bool), y.To(DType.Bool), "logical_and");

    public static Tensor LogicalOr(Tensor x, Tensor y) => Bitwise<BitwiseOrOp>(x.To(DType.Bool), y.To(DType.Bool), "logical_or");

    public static Tensor LogicalXor(Tensor x, Tensor y) => Bitwise<BitwiseXorOp>(x.To(DType.Bool), y.To(DType.Bool), "logical_xor");

    /// <summary>Not x (zero is false): a Bool tensor.</summary>
    public static Tensor LogicalNot(Tensor x) => Equal(x, ScalarFor(0L, x));

    /// <summary>Bitwise and of integer or bool tensors (torch's <c>&amp;</c>); floating point is refused.</summary>
    public static Tensor operator &(Tensor x, Tensor y) => Bitwise<BitwiseAndOp>(x, y, "bitwise_and");

    public static Tensor operator |(Tensor x, Tensor y) => Bitwise<BitwiseOrOp>(x, y, "bitwise_or");

    public static Tensor operator ^(Tensor x, Tensor y) => Bitwise<BitwiseXorOp>(x, y, "bitwise_xor");

    /// <summary>Logical not of a Bool tensor (torch's <c>~</c> on bools, <c>logical_not</c>).</summary>
    public static Tensor operator !(Tensor x) => x.DType == DType.Bool ? LogicalNot(x)
        : throw new ArgumentException($"not: ! needs a bool tensor, got {x.DType.Name()}; use LogicalNot for truth values or ~ for bits.");

    /// <summary>Bitwise not of an integer tensor; on Bool, logical not.</summary>
    public static Tensor operator ~(Tensor x) => x.DType == DType.Bool ? LogicalNot(x)
        : x.DType.IsInteger() ? Bitwise<BitwiseXorOp>(x, ScalarFor(-1L, x), "bitwise_not")
        : throw new ArgumentException($"bitwise_not: {x.DType.Name()} is not supported; ~ needs an integer or bool tensor.");

    // ---- selection by a mask ----------------------------------------------------------------

    /// <summary>Elementwise choice: x where condition is true, else y. condition is Bool; all three broadcast.</summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y)
    {
        CheckMask(condition, "where", "condition");
        DType dtype = DTypes.ResultType(x, y);
        Shape shape = Shape.Broadcast(Shape.Broadcast(condition.Shape, x.Shape, "where"), y.Shape, "where");
        ReadOnlySpan<bool> c = condition.BroadcastTo(shape).Contiguous().AsSpan<bool>();
        Tensor a = x.To(dtype).BroadcastTo(shape).Contiguous();
        Tensor b = y.To(dtype).BroadcastTo(shape).Contiguous();
        Tensor result = Uninitialized(shape, dtype);
        switch (dtype.ElementSize())
        {
            case 4: Comparison.Select<int>(c, a.AsBits<int>(), b.AsBits<int>(), result.AsBits<int>()); break;
            case 8: Comparison.Select<long>(c, a.AsBits<long>(), b.AsBits<long>(), result.AsBits<long>()); break;
            default: Comparison.Select<byte>(c, a.AsBits<byte>(), b.AsBits<byte>(), result.AsBits<byte>()); break;
        }
        return result;
    }

    /// <summary>A copy of this tensor with <paramref name="value"/> where the Bool mask (broadcast to this shape) is true; keeps this dtype.</summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        CheckMask(mask, "masked_fill", "mask");
        CheckBroadcastsTo(mask, "masked_fill");
        return Where(mask, Scalar(value, DType), this);
    }

    /// <summary>The elements where the Bool mask (broadcast to this shape) is true, in row-major order: a 1-d tensor.</summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        CheckMask(mask, "masked_select", "mask");
        CheckBroadcastsTo(mask, "masked_select");
        bool[] keep = mask.BroadcastTo(Shape).ToArray<bool>();
        int count = keep.Count(k => k);
        var positions = new long[count];
        for (int i = 0, j = 0; i < keep.Length; i++)
        {
            if (keep[i])
            {
                positions[j++] = i;
            }
        }
        return Flatten().Take(FromArray(positions));
    }

    /// <summary>True where any element is non-zero (over the axes; all axes when null): a Bool tensor.</summary>
    public Tensor Any(int[]? axes = null, bool keepDims = false) => Greater(NotEqual(this, ScalarFor(0L, this)).Sum(axes, keepDims), ScalarFor(0L, this));

    /// <summary>True where every element is non-zero (over the axes; all axes when null): a Bool tensor.</summary>
    public Tensor All(int[]? axes = null, bool keepDims = false) => Equal(Equal(this, ScalarFor(0L, this)).Sum(axes, keepDims), Scalar(0, DType.Int64));

    /// <summary>True when every element is finite (no NaN, no infinity); integers always are.</summary>
    public bool IsFinite()
    {
        Tensor x = Contiguous();
        return DType switch
        {
            DType.Float32 => TensorPrimitives.IsFiniteAll<float>(x.AsSpan<float>()),
            DType.Float64 => TensorPrimitives.IsFiniteAll<double>(x.AsSpan<double>()),
            _ => true,
        };
    }

    // ---- drivers ---------------------------------------------------------------------------

    /// <summary>A C# floating-point scalar beside a tensor: the tensor's type if floating, else Float32 (torch's rule for Python floats).</summary>
    internal static Tensor ScalarFor(double value, Tensor like) => Scalar(value, DTypes.WithFloatScalar(like.DType));

    /// <summary>A C# integer scalar beside a tensor: the tensor's type, Int64 beside a Bool tensor.</summary>
    internal static Tensor ScalarFor(long value, Tensor like)
    {
        DType dtype = DTypes.WithIntegerScalar(like.DType);
        var t = new Tensor(Shape.Scalar, dtype);
        switch (dtype)
        {
            case DType.Int64: t.AsSpan<long>()[0] = value; break;
            case DType.Int32: t.AsSpan<int>()[0] = unchecked((int)value); break; // wraps, as torch does for an out-of-range scalar
            case DType.UInt8: t.AsSpan<byte>()[0] = unchecked((byte)value); break;
            default: t.Fill(value); break;
        }
        return t;
    }

    private static bool IsBoolPair(Tensor x, Tensor y) => x.DType == DType.Bool && y.DType == DType.Bool;

    private static bool LessThanZeroAnywhere(Tensor y) => y.DType != DType.UInt8 && Less(y, ScalarFor(0L, y)).Any().Item<bool>();

    private static void CheckMask(Tensor mask, string op, string what)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.DType != DType.Bool)
        {
            throw new ArgumentException($"{op}: {what} must be Bool, got {mask.DType.Name()}; compare first (x > 0) or convert with .To(DType.Bool).");
        }
    }

    private void CheckBroadcastsTo(Tensor mask, string op)
    {
        if (Shape.Broadcast(mask.Shape, Shape, op) != Shape)
        {
            throw new ArgumentException($"{op}: mask shape {mask.Shape} does not broadcast to {Shape}.");
        }
    }

    private static Tensor FloatUnary<TOp>(Tensor x) where TOp : IUnaryOp => Unary<TOp>(x.To(DTypes.FloatingOf(x.DType)));

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

    /// <summary>A float-only op (fused gradients, leaky relu): both operands are floating point.</summary>
    private static Tensor Binary<TOp>(Tensor x, Tensor y, string op) where TOp : IBinaryOp
    {
        DType dtype = DTypes.ResultType(x, y);
        if (!dtype.IsFloatingPoint())
        {
            throw new ArgumentException($"{op}: {x.DType.Name()} and {y.DType.Name()} are not supported; the op is floating point only.");
        }
        return Arithmetic<TOp, IntegerAddOp>(x, y, op);
    }

    /// <summary>An arithmetic op: TFloat at Float32/Float64, TInteger at Int32/Int64/UInt8. Bool pairs are decided by the caller.</summary>
    private static Tensor Arithmetic<TFloat, TInteger>(Tensor x, Tensor y, string op, bool checkZeroDivisor = false)
        where TFloat : IBinaryOp
        where TInteger : IIntegerBinaryOp
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        DType dtype = DTypes.ResultType(x, y);
        if (dtype == DType.Bool)
        {
            dtype = DType.UInt8; // bool with bool reaches here only for ops whose bool meaning is integer arithmetic
        }
        x = x.DType == dtype ? x : x.To(dtype);
        y = y.DType == dtype ? y : y.To(dtype);
        if (checkZeroDivisor && !dtype.IsFloatingPoint() && Equal(y, ScalarFor(0L, y)).Any().Item<bool>())
        {
            throw new DivideByZeroException($"{op}: integer division by zero ({x.DType.Name()} by {y.DType.Name()}).");
        }
        Tensor z = Uninitialized(Shape.Broadcast(x.Shape, y.Shape, op), dtype);
        switch (dtype)
        {
            case DType.Float32: Binary<FloatRows<TFloat, float>, float>(x, y, z); break;
            case DType.Float64: Binary<FloatRows<TFloat, double>, double>(x, y, z); break;
            case DType.Int32: Binary<IntegerRows<TInteger, int>, int>(x, y, z); break;
            case DType.Int64: Binary<IntegerRows<TInteger, long>, long>(x, y, z); break;
            default: Binary<IntegerRows<TInteger, byte>, byte>(x, y, z); break;
        }
        return z;
    }

    /// <summary>A bitwise op on integers, or on bools as the bytes 0 and 1 (which and/or/xor keep 0 or 1).</summary>
    private static Tensor Bitwise<TOp>(Tensor x, Tensor y, string op) where TOp : IIntegerBinaryOp
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        DType dtype = DTypes.ResultType(x, y);
        if (dtype.IsFloatingPoint())
        {
            throw new ArgumentException($"{op}: {x.DType.Name()} and {y.DType.Name()} are not supported; bitwise ops need integer or bool tensors.");
        }
        x = x.To(dtype);
        y = y.To(dtype);
        Tensor z = Uninitialized(Shape.Broadcast(x.Shape, y.Shape, op), dtype);
        switch (dtype)
        {
            case DType.Int32: Binary<IntegerRows<TOp, int>, int>(x, y, z); break;
            case DType.Int64: Binary<IntegerRows<TOp, long>, long>(x, y, z); break;
            default: Binary<IntegerRows<TOp, byte>, byte>(x, y, z); break; // UInt8, and Bool's bytes
        }
        return z;
    }

    private static Tensor Compare<TOp>(Tensor x, Tensor y, string op) where TOp : IComparisonOp
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        DType dtype = DTypes.ResultType(x, y);
        x = x.To(dtype);
        y = y.To(dtype);
        Shape shape = Shape.Broadcast(x.Shape, y.Shape, op);
        Tensor z = new(shape, DType.Bool);
        switch (dtype)
        {
            case DType.Float32: Compare<TOp, float>(x, y, z); break;
            case DType.Float64: Compare<TOp, double>(x, y, z); break;
            case DType.Int32: Compare<TOp, int>(x, y, z); break;
            case DType.Int64: Compare<TOp, long>(x, y, z); break;
            default: Compare<TOp, byte>(x, y, z); break; // UInt8, and Bool as false < true
        }
        return z;
    }

    private static void Compare<TOp, T>(Tensor x, Tensor y, Tensor z)
        where TOp : IComparisonOp
        where T : unmanaged, INumber<T>
    {
        Span<bool> d = z.AsSpan<bool>();
        if (y.Size == 1 && x.Size != 1)
        {
            Comparison.Run<TOp, T>(x.BroadcastTo(z.Shape).Contiguous().AsBits<T>(), y.FirstBits<T>(), d);
        }
        else if (x.Size == 1 && y.Size != 1)
        {
            Comparison.Run<TOp, T>(x.FirstBits<T>(), y.BroadcastTo(z.Shape).Contiguous().AsBits<T>(), d);
        }
        else
        {
            Comparison.Run<TOp, T>(x.BroadcastTo(z.Shape).Contiguous().AsBits<T>(), y.BroadcastTo(z.Shape).Contiguous().AsBits<T>(), d);
        }
    }

    private static void Binary<TRows, T>(Tensor x, Tensor y, Tensor z)
        where TRows : IRowOp<T>
        where T : unmanaged
    {
        // Fast paths first: same-shape contiguous operands, or one side a single value.
        bool xFull = x.Shape == z.Shape && x.IsContiguous;
        bool yFull = y.Shape == z.Shape && y.IsContiguous;
        if (z.Size == 1)
        {
            z.AsBits<T>()[0] = TRows.Invoke(x.FirstBits<T>(), y.FirstBits<T>()); // one value: no span machinery
        }
        else if (xFull && yFull)
        {
            TRows.Invoke(x.AsBits<T>(), y.AsBits<T>(), z.AsBits<T>());
        }
        else if (xFull && y.Size == 1)
        {
            TRows.Invoke(x.AsBits<T>(), y.FirstBits<T>(), z.AsBits<T>());
        }
        else if (yFull && x.Size == 1)
        {
            TRows.Invoke(x.FirstBits<T>(), y.AsBits<T>(), z.AsBits<T>());
        }
        else
        {
            int rank = z.Rank;
            Span<int> sx = rank <= LoopNest.StackRank ? stackalloc int[rank] : new int[rank];
            Span<int> sy = rank <= LoopNest.StackRank ? stackalloc int[rank] : new int[rank];
            Elementwise.Binary<TRows, T>(x.AsStridedBits<T>(z.Shape, sx), y.AsStridedBits<T>(z.Shape, sy), z.Shape.Dims, z.AsBits<T>());
        }
    }

    internal T First<T>() => ((T[])Buffer)[Offset];

    private T FirstBits<T>() where T : unmanaged => RawBits<T>()[Offset];
}

namespace ChainRule;

// C# operators and a few chainable methods, one line each; the ops themselves are in F and Functions/.
// A C# scalar becomes a constant of the Variable's type.
public partial class Variable
{
    public static Variable operator +(Variable x, Variable y) => F.Add(x, y);

    public static Variable operator +(Variable x, double y) => F.Add(x, Constant(y, x));

    public static Variable operator +(double x, Variable y) => F.Add(Constant(x, y), y);

    public static Variable operator -(Variable x, Variable y) => F.Subtract(x, y);

    public static Variable operator -(Variable x, double y) => F.Subtract(x, Constant(y, x));

    public static Variable operator -(double x, Variable y) => F.Subtract(Constant(x, y), y);

    public static Variable operator *(Variable x, Variable y) => F.Multiply(x, y);

    public static Variable operator *(Variable x, double y) => F.Multiply(x, Constant(y, x));

    public static Variable operator *(double x, Variable y) => F.Multiply(Constant(x, y), y);

    public static Variable operator /(Variable x, Variable y) => F.Divide(x, y);

    public static Variable operator /(Variable x, double y) => F.Divide(x, Constant(y, x));

    public static Variable operator /(double x, Variable y) => F.Divide(Constant(x, y), y);

    public static Variable operator -(Variable x) => F.Negate(x);

    /// <summary>The matrix product this @ other (NumPy matmul semantics).</summary>
    public Variable MatMul(Variable other) => F.MatMul(this, other);

    /// <summary>Transpose of all axes (numpy .T): (m, n) becomes (n, m).</summary>
    public Variable T => F.Transpose(this);

    public Variable Transpose(int axis0, int axis1) => F.Transpose(this, axis0, axis1);

    public Variable Reshape(params ReadOnlySpan<int> shape) => F.Reshape(this, shape);

    public Variable Sum(int[]? axes = null, bool keepDims = false) => F.Sum(this, axes, keepDims);

    public Variable Mean(int[]? axes = null, bool keepDims = false) => F.Mean(this, axes, keepDims);

    public Variable Pow(double exponent) => F.Pow(this, exponent);

    /// <summary>Elementwise equality as a Bool constant (no graph), as torch's <c>==</c>. Identity is <see cref="object.ReferenceEquals"/>; null checks are <c>is null</c>.</summary>
    public static Variable operator ==(Variable x, Variable y) => F.Equal(x, y);

    public static Variable operator !=(Variable x, Variable y) => F.NotEqual(x, y);

    public static Variable operator <(Variable x, Variable y) => F.Less(x, y);

    public static Variable operator >(Variable x, Variable y) => F.Greater(x, y);

    public static Variable operator <=(Variable x, Variable y) => F.LessEqual(x, y);

    public static Variable operator >=(Variable x, Variable y) => F.GreaterEqual(x, y);

    /// <summary>Reference identity: the graph keys Variables by object. Elementwise equality is <c>==</c>.</summary>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    private static Variable Constant(double value, Variable like) => new(Tensor.ScalarFor(value, like.Data), requiresGrad: false);
}

namespace ChainRule;

// Jacobians and friends for a function f: x -> y of one tensor (MISSION 1.3: J = dy/dx, of shape y.shape + x.shape).
//   Jvp: J v by forward mode. x carries the tangent v, and every Function pushes the tangent through its Jvp rule
//        as it computes its value (dual numbers): one forward pass, no backward pass.
//   Vjp: u^T J by reverse mode: one forward pass, then one backward pass seeded with u.
// A whole Jacobian takes one Vjp per element of y (a row each) or one Jvp per element of x (a column each):
// reverse mode is cheaper when y is smaller, forward mode when x is. The Hessian is forward over reverse
// (JAX's jacfwd(jacrev(f))): the forward-mode Jacobian of the gradient, whose backward pass pushes tangents too.
// In Jvp, x requires a gradient and the grad mode is left as it is, so f may itself differentiate (as in Hessian).
// Out of scope: forward over forward (tangents of tangents) and functions of several tensors.
public static partial class Autograd
{
    /// <summary>f(x) and the Jacobian-vector product J v (the derivative of f at x along v), in one forward pass.</summary>
    /// <exception cref="ArgumentException">v's shape differs from x's.</exception>
    public static (Tensor Output, Tensor Tangent) Jvp(Func<Variable, Variable> f, Tensor x, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        CheckShape(v, x.Shape, "Jvp: the tangent v", nameof(v));
        var input = new Variable(x) { Tangent = new Variable(v.To(x.DType), requiresGrad: false) };
        Variable y;
        using (ForwardMode())
        {
            y = f(input);
        }
        return (y.Data, y.Tangent?.Data ?? Tensor.ZerosLike(y.Data));
    }

    /// <summary>f(x) and the vector-Jacobian product u^T J (the gradient of sum(u * f(x)) with respect to x), by reverse mode.</summary>
    /// <exception cref="ArgumentException">u's shape differs from f(x)'s.</exception>
    public static (Tensor Output, Tensor Gradient) Vjp(Func<Variable, Variable> f, Tensor x, Tensor u)
    {
        ArgumentNullException.ThrowIfNull(f);
        using Scope grad = EnableGrad();
        var input = new Variable(x);
        Variable y = f(input);
        CheckShape(u, y.Shape, "Vjp: the cotangent u", nameof(u));
        return (y.Data, Grad([y], [input], [new Variable(u, requiresGrad: false)])[0].Data);
    }

    /// <summary>The Jacobian dy/dx of y = f(x), of shape y.shape + x.shape, by reverse mode: one Vjp per element of y (a row each).</summary>
    public static Tensor Jacobian(Func<Variable, Variable> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        using Scope grad = EnableGrad();
        var input = new Variable(x);
        Variable y = f(input);
        var rows = new Tensor[y.Size];
        for (int k = 0; k < rows.Length; k++)
        {
            var seed = new Variable(UnitVector(y.Shape, k, y.DType), requiresGrad: false);
            rows[k] = Grad([y], [input], [seed], retainGraph: k < rows.Length - 1)[0].Data; // dy_k/dx, x's shape
        }
        Shape shape = Join(y.Shape, x.Shape);
        return rows.Length == 0 || x.Size == 0 ? Tensor.Zeros(shape, y.DType) : Tensor.Stack(rows).Reshape(shape).To(y.DType);
    }

    /// <summary>The Jacobian dy/dx of y = f(x), of shape y.shape + x.shape, by forward mode: one Jvp per element of x (a column each).</summary>
    public static Tensor JacobianForward(Func<Variable, Variable> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        var columns = new Tensor[x.Size];
        for (int j = 0; j < columns.Length; j++)
        {
            columns[j] = Jvp(f, x, UnitVector(x.Shape, j, x.DType)).Tangent; // dy/dx_j, y's shape
        }
        Tensor y = columns.Length > 0 ? columns[0] : f(new Variable(x)).Data; // for y's shape and type
        Shape shape = Join(y.Shape, x.Shape);
        return columns.Length == 0 || y.Size == 0 ? Tensor.Zeros(shape, y.DType) : Tensor.Stack(columns, axis: y.Rank).Reshape(shape);
    }

    /// <summary>The Hessian of a one-element f, of shape x.shape + x.shape: forward mode over reverse, one Jvp of the gradient per element of x.</summary>
    /// <exception cref="ArgumentException">f(x) has more than one element.</exception>
    public static Tensor Hessian(Func<Variable, Variable> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        Variable Gradient(Variable v)
        {
            using Scope grad = EnableGrad(); // f is differentiated inside, so it needs a graph even under NoGrad
            Variable y = f(v);
            return y.Size == 1 ? Grad(y, [v])[0]
                : throw new ArgumentException($"Hessian: f must give one element, but f(x) has shape {y.Shape}.", nameof(f));
        }
        return JacobianForward(Gradient, x);
    }

    // The k-th unit vector in row-major order: 1 at flat index k, 0 elsewhere.
    private static Tensor UnitVector(Shape shape, int k, DType dtype)
    {
        var data = new double[shape.Size];
        data[k] = 1;
        return Tensor.FromArray(data, shape).To(dtype);
    }

    private static Shape Join(Shape a, Shape b) => new([.. a.Dims, .. b.Dims]);

    private static void CheckShape(Tensor t, Shape expected, string what, string parameter)
    {
        ArgumentNullException.ThrowIfNull(t, parameter);
        if (t.Shape != expected)
        {
            throw new ArgumentException($"{what} has shape {t.Shape} but should have shape {expected}.", parameter);
        }
    }
}

using ChainRule.NN;

namespace ChainRule.Tests.Jacobians;

// Autograd.Jacobian (reverse mode, a row per Vjp), JacobianForward (forward mode, a column per Jvp), Jvp, Vjp and
// Hessian, against each other, against central differences in float64 (MISSION 1.2), and against Jacobians
// built by hand (MISSION 1.3: a network's Jacobian is the product of its layers' Jacobians).
public class JacobianTests
{
    private static readonly Tensor M = Normal(new Generator(1), 2, 1, 4);
    private static readonly Tensor W = Normal(new Generator(2), 3, 4);
    private static readonly Tensor C = Normal(new Generator(3), 3, 4);

    public sealed record Case(Func<Variable, Variable> F, int[] Shape);

    public static readonly Dictionary<string, Case> Cases = new()
    {
        ["elementwise"] = new(x => F.Sin(x) * F.Exp(x) / (1 + (x * x)), [2, 3]),
        ["broadcast: (3, 1) input against (2, 1, 4)"] = new(x => (x * M) + F.Sum(x), [3, 1]),
        ["broadcast: (4) input against (3, 4)"] = new(x => F.Softplus(C - x) * x, [4]),
        ["matmul: input on the left"] = new(x => F.Tanh(x.MatMul(W)), [2, 3]),
        ["matmul: input on the right"] = new(x => F.MatMul(C.Transpose(), x) * x.Sum(), [3, 2]),
        ["matmul: batched, input as both operands"] = new(x => x.MatMul(x.Transpose(-2, -1)), [2, 3, 2]),
        ["softmax, log-softmax, mean"] = new(x => (F.Softmax(x) * F.LogSoftmax(x, 0)) + F.Mean(x, 0), [3, 4]),
        ["vector to scalar"] = new(x => F.Sum(F.Log(1 + (x * x))), [5]),
        ["scalar to vector (stack)"] = new(x => F.Stack([x, x * x, F.Sin(x)]), []),
        ["movement"] = new(x => F.Slice(F.Reshape(F.Permute(x, 2, 0, 1), 4, 6), 1, 1, 6, 2), [2, 3, 4]),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Reverse_and_forward_Jacobians_agree_with_each_other_and_with_central_differences(string name)
    {
        Case c = Cases[name];
        Tensor x = Normal(new Generator(4), c.Shape);
        Tensor numeric = NumericJacobian(c.F, x);

        Tensor reverse = Autograd.Jacobian(c.F, x);
        Tensor forward = Autograd.JacobianForward(c.F, x);

        AssertClose(numeric, reverse, 1e-6);
        AssertClose(numeric, forward, 1e-6);
        AssertClose(reverse, forward, 1e-12);
    }

    [Fact]
    public void The_Jacobian_of_an_affine_map_W_x_plus_b_is_W()
    {
        var g = new Generator(5);
        Tensor w = Normal(g, 4, 3), b = Normal(g, 4), x = Normal(g, 3);
        Variable Affine(Variable v) => F.MatMul(w, v) + b;

        Assert.Equal(w.ToDoubleArray(), Autograd.Jacobian(Affine, x).ToDoubleArray());
        Assert.Equal(w.ToDoubleArray(), Autograd.JacobianForward(Affine, x).ToDoubleArray());
    }

    [Fact]
    public void The_Jacobian_of_a_linear_layer_over_a_batch_is_W_on_the_diagonal_blocks()
    {
        var g = new Generator(6);
        Tensor w = Normal(g, 4, 3), b = Normal(g, 4), x = Normal(g, 2, 3);
        Variable Layer(Variable v) => F.Linear(v, w, b); // y (2, 4) = x (2, 3) W^T + b

        foreach (Tensor jacobian in new[] { Autograd.Jacobian(Layer, x), Autograd.JacobianForward(Layer, x) })
        {
            Assert.Equal(new Shape(2, 4, 2, 3), jacobian.Shape); // dy[a, i] / dx[b, j] = W[i, j] if a == b, else 0
            for (int a = 0; a < 2; a++)
            {
                for (int bb = 0; bb < 2; bb++)
                {
                    Tensor expected = a == bb ? w : Tensor.ZerosLike(w);
                    Assert.Equal(expected.ToDoubleArray(), jacobian.Select(0, a).Select(1, bb).ToDoubleArray());
                }
            }
        }
    }

    [Fact]
    public void The_Hessian_of_a_quadratic_form_x_A_x_is_A_plus_A_transposed()
    {
        var g = new Generator(7);
        Tensor a = Normal(g, 4, 4), x = Normal(g, 4); // A is not symmetric
        Tensor hessian = Autograd.Hessian(v => v.MatMul(F.MatMul(a, v)), x);
        AssertClose(a + a.Transpose(), hessian, 1e-12);
    }

    [Fact]
    public void The_Hessian_forward_over_reverse_matches_reverse_over_reverse_and_central_differences()
    {
        var g = new Generator(8);
        Tensor w = Normal(g, 4, 3), x = Normal(g, 4);
        Variable Scalar(Variable v) => (F.Sum(F.Tanh(v.MatMul(w))) * F.LogSumExp(v)) + F.Sum(F.Sigmoid(v) * v * v);
        Variable Gradient(Variable v) => Autograd.Grad(Scalar(v), [v], createGraph: true)[0];

        Tensor hessian = Autograd.Hessian(Scalar, x);

        AssertClose(Autograd.Jacobian(Gradient, x), hessian, 1e-12);
        AssertClose(NumericJacobian(Gradient, x), hessian, 1e-6);
        AssertClose(hessian.Transpose(), hessian, 1e-12);
    }

    [Theory]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("relu")]
    public void A_two_layer_network_Jacobian_is_the_product_of_the_layer_Jacobians(string activation)
    {
        // logits = W2 act(W1 x + b1) + b2, so d logits / dx = W2 diag(act'(z1)) W1 (MISSION 1.3)
        var g = new Generator(9);
        var layer1 = new Linear(4, 5, g);
        var layer2 = new Linear(5, 3, g);
        foreach (Parameter p in layer1.Parameters().Concat(layer2.Parameters()))
        {
            p.Data = Tensor.RandomNormal(p.Shape, 0, 1, g, DType.Float64);
        }
        Func<Variable, Variable> act = activation switch { "sigmoid" => F.Sigmoid, "tanh" => F.Tanh, _ => F.Relu };
        Variable Logits(Variable v) => layer2.Forward(act(layer1.Forward(v)));
        Tensor x = Normal(g, 4);

        Tensor w1 = layer1.Weight.Data, w2 = layer2.Weight.Data; // (5, 4) and (3, 5), PyTorch's (out, in)
        Tensor z1 = Tensor.MatMul(w1, x) + layer1.Bias!.Data;
        Tensor slope = activation switch
        {
            "sigmoid" => Tensor.Sigmoid(z1) * (1 - Tensor.Sigmoid(z1)),
            "tanh" => 1 - (Tensor.Tanh(z1) * Tensor.Tanh(z1)),
            _ => Tensor.Greater(z1, 0),
        };
        Tensor diagonal = Tensor.Eye(5, DType.Float64) * slope; // diag(act'(z1)), (5, 5)
        Tensor expected = Tensor.MatMul(Tensor.MatMul(w2, diagonal), w1); // (3, 5) (5, 5) (5, 4) = (3, 4)

        AssertClose(expected, Autograd.Jacobian(Logits, x), 1e-12);
        AssertClose(expected, Autograd.JacobianForward(Logits, x), 1e-12);
    }

    [Fact]
    public void Jvp_and_Vjp_are_J_v_and_u_J_and_return_the_output()
    {
        Case c = Cases["matmul: input on the left"];
        var g = new Generator(10);
        Tensor x = Normal(g, 2, 3), v = Normal(g, 2, 3), u = Normal(g, 2, 4);
        Tensor jacobian = Autograd.Jacobian(c.F, x).Reshape(8, 6);

        (Tensor output, Tensor tangent) = Autograd.Jvp(c.F, x, v);
        (Tensor output2, Tensor gradient) = Autograd.Vjp(c.F, x, u);

        Tensor y = Tensor.Tanh(Tensor.MatMul(x, W));
        AssertClose(y, output, 0);
        AssertClose(y, output2, 0);
        AssertClose(Tensor.MatMul(jacobian, v.Reshape(6)).Reshape(2, 4), tangent, 1e-12);
        AssertClose(Tensor.MatMul(u.Reshape(8), jacobian).Reshape(2, 3), gradient, 1e-12);
    }

    [Fact]
    public void Jvp_is_one_forward_pass_with_no_backward_pass()
    {
        var probe = new Probe();
        (_, Tensor tangent) = Autograd.Jvp(x => F.Exp(probe.Apply(x)), Tensor.FromArray(0.0, 1.0), Tensor.FromArray(1.0, 2.0));

        Assert.Equal((1, 0), (probe.JvpCalls, probe.BackwardCalls));
        Assert.Equal([1.0, 2 * Math.E], tangent.ToDoubleArray(), new Tolerance(1e-15, 1e-15));
    }

    [Fact]
    public void A_function_that_ignores_its_input_has_a_zero_Jacobian_and_tangent()
    {
        Tensor x = Normal(new Generator(11), 3);
        Variable Constant(Variable v) => new(Tensor.Ones([2]), requiresGrad: false);

        Assert.Equal(new double[6], Autograd.Jacobian(Constant, x).ToDoubleArray());
        Assert.Equal(new double[6], Autograd.JacobianForward(Constant, x).ToDoubleArray());
        Assert.Equal(new double[2], Autograd.Jvp(Constant, x, x).Tangent.ToDoubleArray());
        Assert.Equal(new double[9], Autograd.Hessian(v => F.Sum(v), x).ToDoubleArray());
    }

    [Fact]
    public void Forward_mode_is_off_outside_Jvp_even_after_f_throws()
    {
        Tensor x = Normal(new Generator(12), 3);
        Assert.Throws<InvalidOperationException>(() => Autograd.Jvp(_ => throw new InvalidOperationException(), x, x));
        Assert.False(Autograd.IsForwardModeEnabled);

        var plain = new Variable(x) { Tangent = new Variable(x) };
        Assert.Null(F.Exp(plain).Tangent); // outside the scope, Apply ignores tangents
    }

    [Fact]
    public void Shape_errors_name_both_shapes()
    {
        Tensor x = Tensor.Zeros([3], DType.Float64);
        var jvp = Assert.Throws<ArgumentException>(() => Autograd.Jvp(F.Exp, x, Tensor.Zeros([4])));
        Assert.Contains("(4,)", jvp.Message);
        Assert.Contains("(3,)", jvp.Message);
        var vjp = Assert.Throws<ArgumentException>(() => Autograd.Vjp(v => v.Sum(), x, x));
        Assert.Contains("()", vjp.Message);
        var hessian = Assert.Throws<ArgumentException>(() => Autograd.Hessian(F.Exp, x));
        Assert.Contains("(3,)", hessian.Message);
    }

    /// <summary>y = x, counting its Backward and Jvp calls.</summary>
    private sealed class Probe : Function
    {
        public int BackwardCalls { get; private set; }

        public int JvpCalls { get; private set; }

        protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0];

        protected internal override Variable?[] Backward(Variable gy)
        {
            BackwardCalls++;
            return [gy];
        }

        protected internal override Variable? Jvp(int i, Variable dx)
        {
            JvpCalls++;
            return dx;
        }
    }

    // Column j: (f(x + eps e_j) - f(x - eps e_j)) / 2 eps, in float64; shape f(x).shape + x.shape.
    internal static Tensor NumericJacobian(Func<Variable, Variable> f, Tensor x, double epsilon = 1e-6)
    {
        double[] point = x.ToDoubleArray();
        var columns = new Tensor[point.Length];
        for (int j = 0; j < point.Length; j++)
        {
            double[] shifted = (double[])point.Clone();
            shifted[j] = point[j] + epsilon;
            Tensor plus = Evaluate(f, Tensor.FromArray(shifted, x.Shape));
            shifted[j] = point[j] - epsilon;
            Tensor minus = Evaluate(f, Tensor.FromArray(shifted, x.Shape));
            columns[j] = (plus - minus) / (2 * epsilon);
        }
        Shape outputShape = columns[0].Shape;
        return Tensor.Stack(columns, axis: outputShape.Rank).Reshape([.. outputShape.Dims, .. x.Shape.Dims]);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ToDoubleArray(), actual.ToDoubleArray(), new Tolerance(tolerance, tolerance));
    }

    // f may differentiate inside (Gradient above), so its input requires a gradient.
    private static Tensor Evaluate(Func<Variable, Variable> f, Tensor x) => f(new Variable(x)).Data.To(DType.Float64);

    private static Tensor Normal(Generator g, params int[] shape) => Tensor.RandomNormal(shape, 0, 1, g, DType.Float64);
}

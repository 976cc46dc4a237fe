namespace ChainRule.Tests.Engine;

public class EngineTests
{
    /// <summary>y = x, counting how often Backward runs.</summary>
    private sealed class CountingIdentity : Function
    {
        public int BackwardCalls { get; private set; }

        protected override Tensor Forward(ReadOnlySpan<Tensor> x) => x[0];

        protected internal override Variable?[] Backward(Variable gy)
        {
            BackwardCalls++;
            return [gy];
        }

        protected internal override Variable? Jvp(int i, Variable dx) => dx;
    }

    [Fact]
    public void A_shared_subexpression_runs_backward_once_after_all_its_consumers()
    {
        var x = new Variable(Tensor.Scalar(2, DType.Float64));
        var shared = new CountingIdentity();
        Variable a = shared.Apply(x);
        Variable d = (a * 2) + (a * 3) + (a * a); // a diamond with three consumers
        d.Backward();
        Assert.Equal(1, shared.BackwardCalls);
        Assert.Equal(2 + 3 + (2 * 2), x.Grad!.Item());
    }

    [Fact]
    public void A_chain_of_100000_ops_backpropagates_without_recursion()
    {
        var x = new Variable(Tensor.Scalar(0.5, DType.Float64));
        Variable y = x;
        for (int i = 0; i < 100_000; i++)
        {
            y = i % 2 == 0 ? y + 1e-6 : y * 1.0;
        }
        y.Backward();
        Assert.Equal(1.0, x.Grad!.Item());
    }

    [Fact]
    public void Gradients_accumulate_across_backward_calls_until_cleared()
    {
        var x = new Variable(Tensor.FromArray(1.0, 2.0));
        F.Sum(x * x).Backward();
        F.Sum(x * x).Backward();
        Assert.Equal([4.0, 8.0], x.Grad!.Data.ToDoubleArray());
        x.ClearGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Broadcast_input_gradient_is_summed_to_its_shape()
    {
        var bias = new Variable(Tensor.Zeros([3]));
        var x = new Variable(Tensor.Ones([4, 3]), requiresGrad: false);
        F.Sum(x + bias).Backward();
        Assert.Equal(new Shape(3), bias.Grad!.Shape);
        Assert.Equal([4f, 4, 4], bias.Grad.Data.ToArray());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void NoGrad_records_nothing_and_Detach_cuts_the_graph()
    {
        var x = new Variable(Tensor.Ones([2]));
        using (Autograd.NoGrad())
        {
            Variable y = x * 2;
            Assert.Null(y.Creator);
            Assert.False(y.RequiresGrad);
            using (Autograd.EnableGrad())
            {
                Assert.NotNull((x * 2).Creator);
            }
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(Autograd.IsGradEnabled);

        Variable detached = (x * 3).Detach();
        Assert.Null(detached.Creator);
        F.Sum((x * detached) + x).Backward();
        Assert.Equal([4f, 4], x.Grad!.Data.ToArray()); // detached is a constant 3
        Assert.Null(((Variable)Tensor.Ones([2]) * 2).Creator); // constants in, constant out
    }

    [Fact]
    public void Backward_through_a_released_graph_says_to_retain_it()
    {
        var x = new Variable(Tensor.Scalar(3));
        Variable y = F.Exp(x) * x;
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", error.Message);

        var z = new Variable(Tensor.Scalar(3, DType.Float64));
        Variable w = z * z;
        w.Backward(retainGraph: true);
        w.Backward();
        Assert.Equal(12.0, z.Grad!.Item());
    }

    [Fact]
    public void Non_scalar_backward_needs_an_upstream_gradient_and_computes_a_vjp()
    {
        var x = new Variable(Tensor.FromArray(1.0, 2.0, 3.0));
        Variable y = x * x;
        var error = Assert.Throws<ArgumentException>(() => y.Backward());
        Assert.Contains("(3,)", error.Message);
        Assert.Throws<ArgumentException>(() => y.Backward(new Variable(Tensor.Ones([2], DType.Float64))));
        y.Backward(new Variable(Tensor.FromArray(1.0, 0.0, -1.0)));
        Assert.Equal([2.0, 0.0, -6.0], x.Grad!.Data.ToDoubleArray());
    }

    [Fact]
    public void Intermediate_gradients_are_kept_only_when_retained()
    {
        var x = new Variable(Tensor.Scalar(2, DType.Float64));
        Variable u = x * x, v = u * 3, w = F.Sin(v);
        v.RetainGrad();
        w.Backward();
        Assert.Null(u.Grad);
        Assert.Equal(Math.Cos(12), v.Grad!.Item(), 14);
        Assert.Equal(Math.Cos(12) * 3 * 4, x.Grad!.Item(), 13);
    }

    [Fact]
    public void Second_derivative_of_tanh_by_create_graph()
    {
        var x = new Variable(Tensor.FromArray(-1.0, 0.3, 2.0));
        F.Sum(F.Tanh(x)).Backward(createGraph: true);
        Variable firstDerivative = x.Grad!;
        x.ClearGrad();
        F.Sum(firstDerivative).Backward();
        double[] expected = x.Data.ToDoubleArray().Select(v => -2 * Math.Tanh(v) * (1 - (Math.Tanh(v) * Math.Tanh(v)))).ToArray();
        Assert.Equal(expected, x.Grad!.Data.ToDoubleArray(), new Tolerance(1e-14));
    }

    [Fact]
    public void Hessian_vector_product_of_a_quadratic_form_is_A_plus_A_transpose_times_v()
    {
        var g = new Generator(11);
        Tensor a = Tensor.RandomNormal([4, 4], 0, 1, g, DType.Float64);
        Tensor v = Tensor.RandomNormal([4], 0, 1, g, DType.Float64);
        var x = new Variable(Tensor.RandomNormal([4], 0, 1, g, DType.Float64));

        Variable f = x.MatMul(((Variable)a).MatMul(x)); // x^T A x
        Variable grad = Autograd.Grad(f, [x], createGraph: true)[0];
        Variable hv = Autograd.Grad(F.Sum(grad * v), [x])[0];

        Assert.Equal(Tensor.MatMul(a + a.Transpose(), v).ToDoubleArray(), hv.Data.ToDoubleArray(), new Tolerance(1e-12));
        Assert.Null(x.Grad); // the functional form leaves Grad alone
    }

    [Fact]
    public void Functional_grad_returns_zeros_for_unused_inputs_and_supports_several_outputs()
    {
        var x = new Variable(Tensor.FromArray(1.0, 2.0));
        var unused = new Variable(Tensor.Ones([3], DType.Float64));
        Variable y1 = F.Sum(x * x), y2 = F.Sum(x * 3);
        Variable[] grads = Autograd.Grad([y1, y2], [x, unused]);
        Assert.Equal([5.0, 7.0], grads[0].Data.ToDoubleArray());
        Assert.Equal([0.0, 0.0, 0.0], grads[1].Data.ToDoubleArray());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Grad_of_an_intermediate_variable()
    {
        var x = new Variable(Tensor.Scalar(3, DType.Float64));
        Variable u = x * x;
        Variable y = F.Exp(u) + u;
        Variable gu = Autograd.Grad(y, [u])[0];
        Assert.Equal(Math.Exp(9) + 1, gu.Item(), 6);
    }

    [Fact]
    public void Float32_parameter_receives_a_float32_gradient_from_a_float64_graph()
    {
        var w = new Variable(Tensor.FromArray(1f, 2f));
        Tensor x = Tensor.FromArray(0.5, 0.25);
        Variable y = F.Sum(w * x);
        Assert.Equal(DType.Float64, y.DType);
        y.Backward();
        Assert.Equal(DType.Float32, w.Grad!.DType);
        Assert.Equal([0.5f, 0.25f], w.Grad.Data.ToArray());
    }

    [Fact]
    public void Anomaly_mode_names_the_function_the_shapes_and_the_call_site_in_forward()
    {
        var x = new Variable(Tensor.FromArray(-1f, 2f));
        using (Autograd.DetectAnomaly())
        {
            var error = Assert.Throws<AnomalyException>(() => F.Log(x));
            Assert.Contains("Log", error.Message);
            Assert.Contains("(2,)", error.Message);
            Assert.Contains("EngineTests.cs", error.Message);
            Assert.Contains("forward", error.Message);
        }
        Assert.Contains(F.Log(x).Data.ToArray(), float.IsNaN); // off again: NaN flows silently, as in PyTorch
    }

    [Fact]
    public void Anomaly_mode_catches_an_infinite_gradient_in_backward()
    {
        var x = new Variable(Tensor.FromArray(0f, 4f));
        using (Autograd.DetectAnomaly())
        {
            Variable y = F.Sum(F.Sqrt(x)); // sqrt(0) = 0 is fine; its derivative 1/(2*0) is not
            var error = Assert.Throws<AnomalyException>(() => y.Backward());
            Assert.Contains("Sqrt", error.Message);
            Assert.Contains("backward", error.Message);
            Assert.Contains("EngineTests.cs", error.Message);
        }
    }

    [Fact]
    public void Variable_prints_its_data_name_and_creator()
    {
        var a = new Variable(Tensor.Scalar(5), name: "a");
        Assert.Equal("variable(5., name=a)", a.ToString());
        Assert.Equal("variable(10., creator=Multiply)", (a * 2).ToString());
    }
}

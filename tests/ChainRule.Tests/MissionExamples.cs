namespace ChainRule.Tests;

// Every numbered example of ../shared/MISSION.md, with its exact numbers: the notes are the oracle.
public class MissionExamples
{
    private static Variable Scalar(double value, string name) => new(Tensor.Scalar(value, DType.Float64), name: name);

    [Fact]
    public void Example_1_1_a_variable_used_twice_accumulates_its_gradient()
    {
        // J = 3(a + a*b*c), u = a*b*c, V = a + u, J = 3V
        Variable a = Scalar(5, "a"), b = Scalar(3, "b"), c = Scalar(2, "c");
        Variable u = a * b * c;
        Variable v = a + u;
        Variable j = 3 * v;

        j.Backward();

        Assert.Equal(105, j.Item());
        Assert.Equal(21, a.Grad!.Item()); // 3*1 + 3*1*(b*c): the sum over both paths
        Assert.Equal(30, b.Grad!.Item());
        Assert.Equal(45, c.Grad!.Item());
    }

    [Fact]
    public void Example_2_1_gradients_have_the_shapes_of_their_variables()
    {
        var x = new Variable(Tensor.Ones([3, 2]));
        var y = new Variable(Tensor.Full([2, 2], 0.5));
        var z = new Variable(Tensor.Full([3, 2], 0.25));

        Variable o = F.Sum(x.MatMul(y) + z);
        o.Backward();

        Assert.Equal(7.5, o.Item());
        AssertAll(x.Grad!, [3, 2], 1.0);  // ones(3x2) y^T
        AssertAll(y.Grad!, [2, 2], 3.0);  // x^T ones(3x2)
        AssertAll(z.Grad!, [3, 2], 1.0);
    }

    [Fact]
    public void Example_2_2_elementwise_mask_gives_M_plus_ones()
    {
        var x = new Variable(Tensor.Ones([3, 2]));
        var y = new Variable(Tensor.Full([2, 2], 0.5));
        var z = new Variable(Tensor.Full([3, 2], 0.25));
        var m = Tensor.FromArray(new float[,] { { 1, 0 }, { 2, 1 }, { 0, 1 } });

        Variable yTilde = ((x.MatMul(y) + z) * m) + z;
        F.Sum(yTilde).Backward();

        Assert.Equal((m + 1).ToArray(), z.Grad!.Data.ToArray());
    }

    [Fact]
    public void Example_2_4_two_linear_layers_collapse_into_one()
    {
        // w1(w0 x + b0) + b1 = (w1 w0) x + (w1 b0 + b1)
        var g = new Generator(24);
        Tensor x = Tensor.RandomNormal([5, 1], 0, 1, g, DType.Float64);
        Tensor w0 = Tensor.RandomNormal([4, 5], 0, 1, g, DType.Float64), b0 = Tensor.RandomNormal([4, 1], 0, 1, g, DType.Float64);
        Tensor w1 = Tensor.RandomNormal([3, 4], 0, 1, g, DType.Float64), b1 = Tensor.RandomNormal([3, 1], 0, 1, g, DType.Float64);

        Tensor twoLayers = Tensor.MatMul(w1, Tensor.MatMul(w0, x) + b0) + b1;
        Tensor oneLayer = Tensor.MatMul(Tensor.MatMul(w1, w0), x) + (Tensor.MatMul(w1, b0) + b1);

        Assert.Equal(oneLayer.ToDoubleArray(), twoLayers.ToDoubleArray(), new Tolerance(1e-12));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Section_3_autograd_equals_the_hand_derived_deltas(int batch)
    {
        // Columns are examples, as in the notes: x0 (784, B), z = W^T x + b, phi = sigmoid, L = 1/2 sum (x2 - y)^2.
        const int K = 32;
        var g = new Generator(3);
        Tensor x0 = Tensor.RandomUniform([784, batch], 0, 1, g, DType.Float64);
        Tensor labels = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => (long)((i * 7) % 10)).ToArray());
        Tensor y = Tensor.OneHot(labels, 10, DType.Float64).Transpose(); // (10, B)
        var w1 = new Variable(Tensor.RandomNormal([784, K], 0, 0.05, g, DType.Float64));
        var b1 = new Variable(Tensor.RandomNormal([K, 1], 0, 0.1, g, DType.Float64));
        var w2 = new Variable(Tensor.RandomNormal([K, 10], 0, 0.3, g, DType.Float64));
        var b2 = new Variable(Tensor.RandomNormal([10, 1], 0, 0.1, g, DType.Float64));

        Variable z1 = w1.T.MatMul(x0) + b1, x1 = F.Sigmoid(z1);
        Variable z2 = w2.T.MatMul(x1) + b2, x2 = F.Sigmoid(z2);
        Variable loss = 0.5 * F.Sum(F.Square(x2 - y));
        loss.Backward();

        // The notes' backward pass, by hand, on plain tensors:
        Tensor dPhi(Tensor z) => Tensor.Sigmoid(z) * (1 - Tensor.Sigmoid(z));
        Tensor delta2 = (x2.Data - y) * dPhi(z2.Data);                     // (10, B)
        Tensor delta1 = Tensor.MatMul(w2.Data, delta2) * dPhi(z1.Data);    // (K, B)
        Tensor gw2 = Tensor.MatMul(x1.Data, delta2.Transpose());            // x1 delta2^T, summed over the batch
        Tensor gw1 = Tensor.MatMul(x0, delta1.Transpose());
        var tolerance = new Tolerance(1e-12);
        Assert.Equal(gw1.ToDoubleArray(), w1.Grad!.Data.ToDoubleArray(), tolerance);
        Assert.Equal(delta1.Sum(1, keepDims: true).ToDoubleArray(), b1.Grad!.Data.ToDoubleArray(), tolerance);
        Assert.Equal(gw2.ToDoubleArray(), w2.Grad!.Data.ToDoubleArray(), tolerance);
        Assert.Equal(delta2.Sum(1, keepDims: true).ToDoubleArray(), b2.Grad!.Data.ToDoubleArray(), tolerance);
    }

    [Fact]
    public void Example_4_1_sigmoid_network_forward_and_gradients()
    {
        // z1 = -1.75x - 0.1, z2 = 0.172x + 0.15, a_i = sigma(z_i), z3 = 0.25 a1 + 0.5 a2 + 0.2
        foreach (double xValue in new[] { -2.0, 0.0, 0.5, 3.0 })
        {
            Variable x = Scalar(xValue, "x");
            Variable a1 = F.Sigmoid((-1.75 * x) - 0.1), a2 = F.Sigmoid((0.172 * x) + 0.15);
            Variable z3 = (0.25 * a1) + (0.5 * a2) + 0.2;
            z3.Backward();

            double s1 = 1 / (1 + Math.Exp(-((-1.75 * xValue) - 0.1))), s2 = 1 / (1 + Math.Exp(-((0.172 * xValue) + 0.15)));
            Assert.Equal((0.25 * s1) + (0.5 * s2) + 0.2, z3.Item(), 14);
            double expected = (0.25 * s1 * (1 - s1) * -1.75) + (0.5 * s2 * (1 - s2) * 0.172); // sigma' = sigma(1 - sigma)
            Assert.Equal(expected, x.Grad!.Item(), 14);
        }
    }

    [Fact]
    public void Example_4_2_activation_derivatives()
    {
        Tensor points = Tensor.FromArray(-2.0, -0.5, 0.5, 2.0);
        var x = new Variable(points);
        F.Sum(F.Sigmoid(x) + F.Tanh(x) + F.Relu(x)).Backward();
        double[] expected = points.ToDoubleArray().Select(v =>
        {
            double s = 1 / (1 + Math.Exp(-v));
            return (s * (1 - s)) + (1 - (Math.Tanh(v) * Math.Tanh(v))) + (v > 0 ? 1 : 0);
        }).ToArray();
        Assert.Equal(expected, x.Grad!.Data.ToDoubleArray(), new Tolerance(1e-14));
    }

    [Fact]
    public void Example_4_3_bias_folded_into_the_matrix()
    {
        // [z1; z2] = [[w1, b1], [w2, b2]] [x; 1]
        var g = new Generator(43);
        Tensor w = Tensor.RandomNormal([2, 1], 0, 1, g, DType.Float64), b = Tensor.RandomNormal([2, 1], 0, 1, g, DType.Float64);
        Tensor x = Tensor.FromArray(new double[] { 0.7 }, [1, 1]);
        Tensor folded = Tensor.MatMul(Tensor.Concat([w, b], axis: 1), Tensor.Concat([x, Tensor.Ones([1, 1], DType.Float64)], axis: 0));
        Assert.Equal((Tensor.MatMul(w, x) + b).ToDoubleArray(), folded.ToDoubleArray(), new Tolerance(1e-15));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Example_4_4_relu_network_gradients_equal_the_15_closed_forms(int seed)
    {
        var g = new Generator((ulong)seed);
        double Draw() => (g.NextDouble() * 2) - 1;
        double[] p = Enumerable.Range(0, 13).Select(_ => Draw()).ToArray(); // w1..w8, b1..b5
        double xv = Draw() * 2, yv = Draw() * 3;
        Variable[] v = p.Select((value, i) => Scalar(value, i < 8 ? $"w{i + 1}" : $"b{i - 7}")).ToArray();
        (Variable w1, Variable w2, Variable w3, Variable w4, Variable w5, Variable w6, Variable w7, Variable w8) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        (Variable b1, Variable b2, Variable b3, Variable b4, Variable b5) = (v[8], v[9], v[10], v[11], v[12]);
        Variable x = Scalar(xv, "x"), y = Scalar(yv, "y");

        Variable z1 = (w1 * x) + b1, z2 = (w2 * x) + b2, a1 = F.Relu(z1), a2 = F.Relu(z2);
        Variable z3 = (w3 * a1) + (w5 * a2) + b3, z4 = (w4 * a1) + (w6 * a2) + b4, a3 = F.Relu(z3), a4 = F.Relu(z4);
        Variable yHat = (w7 * a3) + (w8 * a4) + b5;
        Variable loss = F.Square(y - yHat);
        loss.Backward();

        double D(Variable z) => z.Item() > 0 ? 1 : 0; // dRL
        double ly = -2 * (yv - yHat.Item());
        double[] w = p;
        var expected = new (Variable Param, double Grad)[]
        {
            (w7, ly * a3.Item()), (w8, ly * a4.Item()), (b5, ly),
            (w3, ly * w[6] * D(z3) * a1.Item()), (w5, ly * w[6] * D(z3) * a2.Item()), (b3, ly * w[6] * D(z3)),
            (w4, ly * w[7] * D(z4) * a1.Item()), (w6, ly * w[7] * D(z4) * a2.Item()), (b4, ly * w[7] * D(z4)),
            (w1, ly * ((w[6] * D(z3) * w[2]) + (w[7] * D(z4) * w[3])) * D(z1) * xv),
            (b1, ly * ((w[6] * D(z3) * w[2]) + (w[7] * D(z4) * w[3])) * D(z1)),
            (w2, ly * ((w[6] * D(z3) * w[4]) + (w[7] * D(z4) * w[5])) * D(z2) * xv),
            (b2, ly * ((w[6] * D(z3) * w[4]) + (w[7] * D(z4) * w[5])) * D(z2)),
        };
        foreach ((Variable param, double grad) in expected)
        {
            Assert.True(Math.Abs(grad - param.Grad!.Item()) <= 1e-14, $"dL/d{param.Name}: closed form {grad}, autograd {param.Grad.Item()}");
        }
        // The remaining two of the 15 are the inputs' own partials, dL/dx and dL/dy.
        Assert.Equal(-ly, y.Grad!.Item(), 14);
        double dx = ly * ((w[6] * D(z3) * ((w[2] * D(z1) * w[0]) + (w[4] * D(z2) * w[1]))) + (w[7] * D(z4) * ((w[3] * D(z1) * w[0]) + (w[5] * D(z2) * w[1]))));
        Assert.Equal(dx, x.Grad!.Item(), 14);
    }

    private static void AssertAll(Variable grad, int[] shape, double value)
    {
        Assert.Equal(new Shape(shape), grad.Shape);
        Assert.All(grad.Data.ToDoubleArray(), v => Assert.Equal(value, v));
    }
}

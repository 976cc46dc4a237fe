namespace ChainRule.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void Factories_fill_shapes_and_values()
    {
        Assert.Equal(new Shape(2, 3), Tensor.Zeros([2, 3]).Shape);
        Assert.All(Tensor.Ones([4]).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(Tensor.Full([2, 2], 7.5, DType.Float64).ToDoubleArray(), v => Assert.Equal(7.5, v));
        Assert.Equal([0f, 2f, 4f], Tensor.Arange(0, 5, 2).ToArray());
        Assert.Equal([0f, 1f, 2f], Tensor.Arange(3).ToArray());
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0], Tensor.Linspace(0, 1, 5, DType.Float64).ToDoubleArray());
        Assert.Equal([1f, 0f, 0f, 1f], Tensor.Eye(2).ToArray());
        Assert.Equal(DType.Float32, Tensor.Scalar(3).DType);
        Assert.Equal(0, Tensor.Scalar(3).Rank);
    }

    [Fact]
    public void FromArray_accepts_flat_multidimensional_and_jagged_arrays()
    {
        Tensor flat = Tensor.FromArray([1f, 2, 3, 4, 5, 6], [2, 3]);
        Tensor multi = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Tensor jagged = Tensor.FromArray(new[] { new double[] { 1, 2, 3 }, [4, 5, 6] });
        Tensor cube = Tensor.FromArray(new double[,,] { { { 1, 2 } }, { { 3, 4 } } });

        Assert.Equal(flat.ToArray(), multi.ToArray());
        Assert.Equal(new Shape(2, 3), jagged.Shape);
        Assert.Equal(DType.Float64, jagged.DType);
        Assert.Equal(new Shape(2, 1, 2), cube.Shape);
        Assert.Equal(4.0, cube[1, 0, 1]);
        var error = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2, 3], [2, 2]));
        Assert.Contains("(2, 2)", error.Message);
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { new float[] { 1, 2 }, [3] }));
    }

    [Fact]
    public void Random_tensors_are_fixed_by_the_seed_on_every_machine()
    {
        // Pinned values: xoshiro256** seeded by SplitMix64 is defined bit for bit, so these never change.
        Tensor u = Tensor.RandomUniform([3], 0, 1, new Generator(42), DType.Float64);
        Tensor again = Tensor.RandomUniform([3], 0, 1, new Generator(42), DType.Float64);
        Assert.Equal(u.ToDoubleArray(), again.ToDoubleArray());
        Assert.NotEqual(u.ToDoubleArray(), Tensor.RandomUniform([3], 0, 1, new Generator(43), DType.Float64).ToDoubleArray());
        Assert.Equal(GoldenUniform42, u.ToDoubleArray());

        Tensor normal = Tensor.RandomNormal([20000], 2, 3, new Generator(7), DType.Float64);
        Assert.InRange(normal.Mean().Item(), 1.95, 2.05);
        Assert.InRange(normal.Std().Item(), 2.95, 3.05);
    }

    // Computed by an independent Python implementation of SplitMix64 + xoshiro256** (Vigna's reference algorithm).
    private static readonly double[] GoldenUniform42 = [0.08386297105988216, 0.3789802506626686, 0.6800434110281394];

    [Fact]
    public void Generator_integers_and_permutations_cover_their_range()
    {
        var g = new Generator(5);
        int[] perm = g.Permutation(100);
        Assert.Equal(Enumerable.Range(0, 100), perm.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), perm);
        int[] counts = new int[3];
        for (int i = 0; i < 3000; i++)
        {
            counts[g.NextInt(3)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 900, 1100));
    }

    [Fact]
    public void Indexer_reads_and_writes_with_negative_indices()
    {
        var t = Tensor.Zeros([2, 3]);
        t[1, -1] = 5;
        Assert.Equal(5.0, t[1, 2]);
        Assert.Equal(5f, t.ToArray()[5]);
        Assert.Throws<IndexOutOfRangeException>(() => t[2, 0]);
        Assert.Throws<ArgumentException>(() => t[0]);
        Assert.Throws<InvalidOperationException>(() => t.Item());
    }

    [Fact]
    public void Dtype_promotion_follows_one_rule()
    {
        Tensor f32 = Tensor.Ones([2]), f64 = Tensor.Ones([2], DType.Float64);
        Assert.Equal(DType.Float64, (f32 + f64).DType);
        Assert.Equal(DType.Float64, Tensor.MatMul(f32, f64).DType);
        Assert.Equal(DType.Float32, (f32 * 2.5).DType); // C# scalars never promote
        Assert.Equal(DType.Float64, (f64 * 2.5f).DType);
        Assert.Equal([1.0, 1.0], f32.To(DType.Float64).ToDoubleArray());
    }

    [Fact]
    public void Broadcasting_matches_numpy_rules()
    {
        Tensor a = Tensor.Arange(24).Reshape(2, 3, 4);
        Tensor b = Tensor.FromArray([10f, 20, 30], [3, 1]);
        Tensor sum = a + b;
        Assert.Equal(new Shape(2, 3, 4), sum.Shape);
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 4; k++)
                {
                    Assert.Equal(a[i, j, k] + b[j, 0], sum[i, j, k]);
                }
            }
        }
        Assert.Equal(new Shape(3, 4), (Tensor.Ones([3, 1]) * Tensor.Ones([4])).Shape);
        var error = Assert.Throws<ArgumentException>(() => Tensor.Ones([3, 4]) + Tensor.Ones([3]));
        Assert.Contains("(3, 4)", error.Message);
        Assert.Contains("(3,)", error.Message);
        Assert.Contains("add", error.Message);
    }

    [Fact]
    public void Elementwise_ops_work_on_strided_views()
    {
        Tensor a = Tensor.Arange(12).Reshape(3, 4);
        Tensor t = a.Transpose();                 // (4, 3), strides (1, 4)
        Tensor everyOther = a.Slice(1, 0, 4, 2);   // (3, 2), strides (4, 2)
        Assert.False(t.IsContiguous);
        Assert.Equal((t * 1).ToArray(), t.Contiguous().ToArray());
        Assert.Equal([0f, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], t.ToArray());
        Assert.Equal([0f, 2, 4, 6, 8, 10], everyOther.ToArray());
        Assert.Equal([0f, 4, 8, 12, 16, 20], (everyOther + everyOther).ToArray());
        Assert.Equal((t + t).ToArray(), (t * 2).ToArray());
        Assert.Equal(Tensor.Exp(t.Contiguous()).ToArray(), Tensor.Exp(t).ToArray());
    }

    [Fact]
    public void Views_share_storage_and_reshape_infers_one_dimension()
    {
        Tensor a = Tensor.Zeros([2, 6]);
        Tensor view = a.Reshape(3, -1);
        Assert.Equal(new Shape(3, 4), view.Shape);
        view[2, 3] = 9;
        Assert.Equal(9.0, a[1, 5]);
        a.Transpose()[0, 1] = 4;
        Assert.Equal(4.0, a[1, 0]);
        Tensor row = a.Select(0, 1);
        Assert.Equal(new Shape(6), row.Shape);
        Assert.Equal(new Shape(1, 2, 6), a.Unsqueeze(0).Shape);
        Assert.Equal(new Shape(2, 6, 1), a.Unsqueeze(-1).Shape);
        Assert.Equal(new Shape(2, 6), a.Unsqueeze(1).Squeeze(1).Shape);
        Tensor expanded = Tensor.FromArray(1f, 2f).Reshape(2, 1).BroadcastTo(new Shape(2, 3));
        Assert.Equal(0, expanded.Strides[1]);
        Assert.Equal([1f, 1, 1, 2, 2, 2], expanded.ToArray());
        var error = Assert.Throws<ArgumentException>(() => a.Reshape(5, -1));
        Assert.Contains("(2, 6)", error.Message);
    }

    [Fact]
    public void Slicing_follows_python_rules()
    {
        Tensor x = Tensor.Arange(10);
        Assert.Equal([2f, 5, 8], x.Slice(0, 2, 10, 3).ToArray());
        Assert.Equal([7f, 8], x.Slice(0, -3, -1).ToArray());
        Assert.Empty(x.Slice(0, 5, 2).ToArray());
        Assert.Equal([8f, 9], x.Slice(0, 8, 100).ToArray());
        Assert.Throws<ArgumentException>(() => x.Slice(0, 0, 5, 0));
    }

    [Fact]
    public void Slicing_an_empty_tensor_along_a_non_empty_axis_gives_a_usable_empty_view()
    {
        // Found by ShapeProperties: the view's offset pointed past the empty buffer, so Contiguous, ToArray and Sum threw.
        Tensor x = Tensor.Zeros([0, 3]).Slice(1, 1, 3);

        Assert.Equal(new Shape(0, 2), x.Shape);
        Assert.Empty(x.ToArray());
        Assert.Equal([0f, 0], x.Sum(0).ToArray());
    }

    [Fact]
    public void ArgMax_along_a_leading_axis_of_a_rank_3_tensor_keeps_the_other_axes_in_order()
    {
        // Found by ReductionProperties: the reduced axis was swapped with the last one, so the rows came out ordered (axis 2, axis 1).
        Tensor x = Tensor.FromArray(new float[,,] { { { 0, 5, 0 }, { 5, 0, 5 } }, { { 1, 1, 1 }, { 1, 1, 1 } } });

        Assert.Equal(new Shape(2, 3), x.ArgMax(0).Shape);
        Assert.Equal([1L, 0, 1, 0, 1, 0], x.ArgMax(0).ToArray<long>());
        Assert.Equal([0L, 1, 0, 1, 0, 1], x.ArgMin(0).ToArray<long>());
    }

    [Fact]
    public void Reductions_over_any_axes_with_keepDims()
    {
        Tensor x = Tensor.Arange(24, DType.Float64).Reshape(2, 3, 4);
        Assert.Equal(276.0, x.Sum().Item());
        Assert.Equal(new Shape(2, 1, 4), x.Sum(1, keepDims: true).Shape);
        Assert.Equal(NaiveSum(x, [0, 2]), x.Sum([0, 2]).ToDoubleArray());
        Assert.Equal(NaiveSum(x, [1]), x.Sum(1).ToDoubleArray());
        Assert.Equal(NaiveSum(x, [0]), x.Sum(0).ToDoubleArray());
        Assert.Equal(NaiveSum(x.Transpose(), [1]), x.Transpose().Sum(1).ToDoubleArray());
        Assert.Equal([11.5], x.Mean().ToDoubleArray());
        Assert.Equal([20.0, 21, 22, 23], x.Max([0, 1]).ToDoubleArray());
        Assert.Equal([0.0, 4, 8], x.Min([0, 2]).ToDoubleArray());
        Assert.Equal(new Shape(2, 4), x.ArgMax(1).Shape);
        Assert.All(x.ArgMax(1).ToDoubleArray(), v => Assert.Equal(2.0, v));
        Assert.Equal(23.0, x.ArgMax().Item());
        Assert.Equal(0.0, x.ArgMin().Item());
        Assert.Equal([1.0, 0], Tensor.FromArray(new double[,] { { 1, 5, 2 }, { 9, 0, 9 } }).ArgMax(1).ToDoubleArray());
        Assert.Equal(0.0, Tensor.Zeros([0, 3]).Sum().Item());
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([0, 3]).Max(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Sum(3));
    }

    [Fact]
    public void Var_and_std_match_their_definitions()
    {
        Tensor x = Tensor.FromArray(new double[,] { { 1, 2, 3, 4 }, { 2, 4, 6, 8 } });
        Assert.Equal([1.25, 5.0], x.Var([1]).ToDoubleArray());
        Assert.Equal([1.25 * 4 / 3, 5.0 * 4 / 3], x.Var([1], ddof: 1).ToDoubleArray(), new Tolerance(1e-12));
        Assert.Equal(Math.Sqrt(5), x.Std([1]).ToDoubleArray()[1], 12);
    }

    [Fact]
    public void MatMul_follows_numpy_semantics()
    {
        var g = new Generator(9);
        Tensor a = Tensor.RandomNormal([2, 1, 3, 4], 0, 1, g, DType.Float64);
        Tensor b = Tensor.RandomNormal([5, 4, 2], 0, 1, g, DType.Float64);
        Tensor c = Tensor.MatMul(a, b);
        Assert.Equal(new Shape(2, 5, 3, 2), c.Shape);
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 5; j++)
            {
                double expected = 0;
                for (int p = 0; p < 4; p++)
                {
                    expected += a[i, 0, 2, p] * b[j, p, 1];
                }
                Assert.Equal(expected, c[i, j, 2, 1], 12);
            }
        }
        Tensor v = Tensor.FromArray(1.0, 2.0, 3.0);
        Assert.Equal(14.0, Tensor.MatMul(v, v).Item());
        Assert.Equal(0, Tensor.MatMul(v, v).Rank);
        Tensor m = Tensor.FromArray(new double[,] { { 1, 0, 0 }, { 0, 2, 0 } });
        Assert.Equal([1.0, 4.0], Tensor.MatMul(m, v).ToDoubleArray());
        Assert.Equal([1.0, 4.0, 0.0], Tensor.MatMul(Tensor.FromArray(1.0, 2.0), m).ToDoubleArray());
        Assert.Equal(Tensor.MatMul(m.Transpose().Contiguous(), m).ToDoubleArray(), Tensor.MatMul(m.Transpose(), m).ToDoubleArray());
    }

    [Fact]
    public void MatMul_into_an_output_gives_the_same_numbers_and_reuses_it()
    {
        var g = new Generator(4);
        Tensor a = Tensor.RandomNormal([3, 5, 7], 0, 1, g), b = Tensor.RandomNormal([7, 6], 0, 1, g);
        Tensor output = Tensor.Full([3, 5, 6], float.NaN); // every element must be overwritten, whatever was there
        Assert.Same(output, Tensor.MatMul(a, b, output));
        Assert.Equal(Tensor.MatMul(a, b).ToArray(), output.ToArray());
        Assert.Same(output, Tensor.MatMul(a * 2, b, output));
        Assert.Equal(Tensor.MatMul(a * 2, b).ToArray(), output.ToArray());
        Tensor m = Tensor.RandomNormal([4, 7], 0, 1, g), v = Tensor.RandomNormal([7], 0, 1, g);
        Tensor column = Tensor.Zeros([4]);
        Assert.Equal(Tensor.MatMul(m, v).ToArray(), Tensor.MatMul(m, v, column).ToArray()); // 1-d: the missing axis stays removed
        Tensor transposed = Tensor.Zeros([6, 6]);
        Assert.Equal(Tensor.MatMul(b.Transpose(), b).ToArray(), Tensor.MatMul(b.Transpose(), b, transposed).ToArray());
    }

    [Fact]
    public void MatMul_into_a_wrong_output_names_what_is_wrong()
    {
        Tensor a = Tensor.Ones([2, 3]), b = Tensor.Ones([3, 4]);
        Assert.Contains("matmul: (2, 3) @ (3, 4) into an output (4, 2) float32: the product is (2, 4) float32",
            Assert.Throws<ArgumentException>(() => Tensor.MatMul(a, b, Tensor.Zeros([4, 2]))).Message);
        Assert.Contains("the product is (2, 4) float32",
            Assert.Throws<ArgumentException>(() => Tensor.MatMul(a, b, Tensor.Zeros([2, 4], DType.Float64))).Message);
        Assert.Contains("must be contiguous",
            Assert.Throws<ArgumentException>(() => Tensor.MatMul(a, b, Tensor.Zeros([4, 2]).Transpose())).Message);
        Tensor square = Tensor.Ones([3, 3]);
        Assert.Contains("shares memory with an operand",
            Assert.Throws<ArgumentException>(() => Tensor.MatMul(square, square.Transpose(), square)).Message);
    }

    [Fact]
    public void MatMul_of_a_permuted_empty_batch_gives_an_empty_result()
    {
        // Found by MatMulProperties: (0, 3, 2) permuted to (3, 0, 2) has batch stride 2 over an empty buffer, and GEMM was called at offsets past it.
        Tensor a = Tensor.Zeros([0, 3, 2], DType.Float64).Permute(1, 0, 2);

        Tensor c = Tensor.MatMul(a, Tensor.Ones([2, 4], DType.Float64));

        Assert.Equal(new Shape(3, 0, 4), c.Shape);
        Assert.Equal(new double[12], Tensor.MatMul(Tensor.Zeros([0, 3]).Permute(1, 0), Tensor.Zeros([0, 4])).ToDoubleArray()); // k = 0: sums of nothing
    }

    [Fact]
    public void MatMul_shape_errors_name_both_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Zeros([3, 4]), Tensor.Zeros([5, 2])));
        Assert.Equal("matmul: (3, 4) @ (5, 2): inner dimensions 4 and 5 differ.", error.Message);
        var variableError = Assert.Throws<ArgumentException>(() => new Variable(Tensor.Zeros([3])).MatMul(new Variable(Tensor.Zeros([4, 2]))));
        Assert.Contains("(3,) @ (4, 2)", variableError.Message);
        Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Scalar(1), Tensor.Zeros([2])));
    }

    [Fact]
    public void Softmax_is_stable_at_extreme_logits()
    {
        Tensor logits = Tensor.FromArray(new float[,] { { 1000, 0, -1000 }, { -1000, -1000, -1000 }, { 1, 2, 3 } });
        Tensor p = Tensor.Softmax(logits, 1);
        Tensor logP = Tensor.LogSoftmax(logits, 1);
        Assert.True(p.IsFinite() && logP.IsFinite());
        Assert.Equal([1f, 0, 0], p.Select(0, 0).ToArray());
        Assert.Equal([0f, -1000, -2000], logP.Select(0, 0).ToArray());
        Assert.All(p.Sum(1).ToArray(), s => Assert.Equal(1f, s, 6));
        Assert.Equal(-Math.Log(3), logP[1, 0], 5);
        double[] row = [1, 2, 3];
        double norm = row.Sum(Math.Exp);
        Assert.Equal(row.Select(v => Math.Exp(v) / norm), p.Select(0, 2).ToDoubleArray(), new Tolerance(1e-7));
        Assert.Equal(Tensor.Softmax(logits.Transpose(), 0).Transpose().ToArray(), p.ToArray());
    }

    [Fact]
    public void Elementwise_math_matches_System_Math()
    {
        double[] values = [-3, -1.5, -0.25, 0, 0.25, 1.5, 3];
        Tensor x = Tensor.FromArray(values);
        var tolerance = new Tolerance(1e-12, 1e-12);
        Assert.Equal(values.Select(Math.Exp), Tensor.Exp(x).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(Math.Abs), Tensor.Abs(x).ToDoubleArray());
        Assert.Equal(values.Select(v => (double)Math.Sign(v)), Tensor.Sign(x).ToDoubleArray());
        Assert.Equal(values.Select(Math.Sin), Tensor.Sin(x).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(Math.Cos), Tensor.Cos(x).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(Math.Tanh), Tensor.Tanh(x).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(v => 1 / (1 + Math.Exp(-v))), Tensor.Sigmoid(x).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(v => Math.Max(v, 0)), Tensor.Relu(x).ToDoubleArray());
        Assert.Equal(values.Select(v => v > 0 ? v : 0.1 * v), Tensor.LeakyRelu(x, 0.1).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(v => Math.Log(1 + Math.Exp(v))), Tensor.Softplus(x).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(v => Math.Clamp(v, -1, 2)), Tensor.Clamp(x, -1, 2).ToDoubleArray());
        Assert.Equal(values.Select(v => Math.Sqrt(Math.Abs(v))), Tensor.Sqrt(Tensor.Abs(x)).ToDoubleArray(), tolerance);
        Assert.Equal(values.Select(v => v * v * v), Tensor.Pow(x, 3).ToDoubleArray(), tolerance);
        Assert.Equal([1000.0, 0.0], Tensor.Softplus(Tensor.FromArray(1000.0, -1000.0)).ToDoubleArray()); // no overflow
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-1.5, -0.9661051464753108)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(-4.5, -0.9999999998033839)]
    public void Erf_is_accurate_to_double_precision(double x, double expected) =>
        Assert.Equal(expected, Tensor.Erf(Tensor.Scalar(x, DType.Float64)).Item(), 14);

    [Fact]
    public void Gelu_is_x_times_the_normal_cdf()
    {
        Tensor x = Tensor.FromArray(-2.0, 0.0, 1.0);
        Assert.Equal([-0.04550026389635842, 0.0, 0.8413447460685429], Tensor.Gelu(x).ToDoubleArray(), new Tolerance(1e-14));
    }

    [Fact]
    public void Comparisons_where_maximum_and_minimum()
    {
        Tensor a = Tensor.FromArray(1f, 2, 3), b = Tensor.FromArray(2f, 2, 2);
        Assert.Equal([false, true, false], Tensor.Equal(a, b).ToArray<bool>());
        Assert.Equal([true, false, true], Tensor.NotEqual(a, b).ToArray<bool>());
        Assert.Equal([true, false, false], Tensor.Less(a, b).ToArray<bool>());
        Assert.Equal([true, true, false], Tensor.LessEqual(a, b).ToArray<bool>());
        Assert.Equal([false, false, true], Tensor.Greater(a, b).ToArray<bool>());
        Assert.Equal([false, true, true], Tensor.GreaterEqual(a, b).ToArray<bool>());
        Assert.Equal(DType.Bool, (a == b).DType);
        Assert.Equal([false, true, false], (a == b).ToArray<bool>());
        Assert.Equal([true, true, false], (a <= b).ToArray<bool>());
        Assert.Equal([2f, 2, 3], Tensor.Maximum(a, b).ToArray());
        Assert.Equal([1f, 2, 2], Tensor.Minimum(a, b).ToArray());
        Assert.Equal([1f, 2, 2], Tensor.Where(Tensor.Less(a, 2.5), a, b).ToArray());
        Assert.Equal(new Shape(2, 3), Tensor.Where(Tensor.Ones([2, 1], DType.Bool), a, Tensor.Scalar(0)).Shape);
    }

    [Fact]
    public void Concat_stack_and_split()
    {
        Tensor a = Tensor.Arange(6).Reshape(2, 3), b = Tensor.Arange(6, 8).Reshape(2, 1);
        Tensor c = Tensor.Concat([a, b], axis: 1);
        Assert.Equal([0f, 1, 2, 6, 3, 4, 5, 7], c.ToArray());
        Assert.Equal(new Shape(2, 2, 3), Tensor.Stack([a, a], axis: 1).Shape);
        Assert.Equal([0f, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5], Tensor.Stack([a, a], axis: 1).ToArray());
        Tensor[] parts = c.Split([3, 1], axis: 1);
        Assert.Equal(a.ToArray(), parts[0].ToArray());
        Assert.Equal(b.ToArray(), parts[1].ToArray());
        Assert.Equal(4, c.Split(4, axis: 1).Length);
        Assert.Throws<ArgumentException>(() => c.Split(3, axis: 1));
        var error = Assert.Throws<ArgumentException>(() => Tensor.Concat([a, Tensor.Zeros([3, 1])], axis: 1));
        Assert.Contains("(2, 3) and (3, 1)", error.Message);
    }

    [Fact]
    public void Gather_take_scatter_and_one_hot()
    {
        Tensor x = Tensor.FromArray(new float[,] { { 10, 11, 12 }, { 20, 21, 22 } });
        Tensor index = Tensor.FromArray(new long[,] { { 2, 0 }, { 1, 1 } });
        Assert.Equal([12f, 10, 21, 21], x.Gather(1, index).ToArray());
        Assert.Equal([1f, 0, 1, 0, 2, 0], Tensor.Zeros([2, 3]).ScatterAdd(1, index, Tensor.Ones([2, 2])).ToArray());
        Assert.Equal([12f, 10, 22, 20], x.Take(Tensor.FromArray(2L, 0L), axis: 1).ToArray());
        Assert.Equal([12f, 10, 22, 20], x.Take(Tensor.FromArray(2, 0), axis: 1).ToArray()); // Int32 indices too
        Assert.Equal(new Shape(2), x.Take(Tensor.Scalar(1, DType.Int64), axis: 1).Shape);
        Assert.Equal([0f, 2, 0, 0, 2, 0], Tensor.Zeros([2, 3]).IndexAdd(Tensor.FromArray(1L, 1L), 1, Tensor.Ones([2, 2])).ToArray());
        Assert.Equal([0f, 1, 0, 1, 0, 0], Tensor.OneHot(Tensor.FromArray(1L, 0L), 3).ToArray());
        var error = Assert.Throws<ArgumentException>(() => Tensor.OneHot(Tensor.FromArray(3L), 3));
        Assert.Contains("index 3", error.Message);
        error = Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.FromArray(new float[,] { { 1f, 0f }, { 0f, 1f } })));
        Assert.Equal("gather: index must be Int64 or Int32, got Float32; convert with .To(DType.Int64).", error.Message);
    }

    [Fact]
    public void ScatterAdd_accumulates_repeated_indices()
    {
        Tensor index = Tensor.FromArray(new long[,] { { 1, 1 } });
        Tensor result = Tensor.Zeros([1, 3]).ScatterAdd(1, index, Tensor.FromArray(new float[,] { { 2, 3 } }));
        Assert.Equal([0f, 5, 0], result.ToArray());
    }

    [Fact]
    public void ToString_prints_like_numpy()
    {
        Assert.Equal("tensor([[1., 2.],\n        [3., 4.]])", Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } }).ToString());
        Assert.Equal("tensor(3.5000, dtype=float64)", Tensor.Scalar(3.5, DType.Float64).ToString());
        Assert.Equal("tensor([ 0.5000, -1.2500])", Tensor.FromArray(0.5f, -1.25f).ToString());
        Assert.Equal("tensor([], shape=(0,))", Tensor.Zeros([0]).ToString());
        string big = Tensor.Arange(2000).ToString();
        Assert.StartsWith("tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.])", big);
        Assert.Contains("e-", Tensor.FromArray(1e-6f, 1f).ToString());
        Assert.Contains("nan", (Tensor.Zeros([1]) / 0).ToString());
    }

    private static double[] NaiveSum(Tensor x, int[] axes)
    {
        Shape shape = x.Shape;
        int[] keptDims = Enumerable.Range(0, shape.Rank).Where(i => !axes.Contains(i)).Select(i => shape[i]).ToArray();
        var result = new double[keptDims.Aggregate(1, (a, b) => a * b)];
        var index = new int[shape.Rank];
        for (int n = 0; n < shape.Size; n++)
        {
            int outIndex = 0;
            for (int i = 0; i < shape.Rank; i++)
            {
                if (!axes.Contains(i))
                {
                    outIndex = (outIndex * shape[i]) + index[i];
                }
            }
            result[outIndex] += x[index];
            for (int i = shape.Rank - 1; i >= 0 && ++index[i] == shape[i]; i--)
            {
                index[i] = 0;
            }
        }
        return result;
    }
}

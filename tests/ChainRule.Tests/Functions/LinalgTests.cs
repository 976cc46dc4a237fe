namespace ChainRule.Tests.Functions;

// The linear-algebra ops as a user meets them: values against closed forms, float32 against float64, batches
// against one matrix at a time, and the errors (what was wrong, where; never a NaN).
public class LinalgTests
{
    private static Tensor RandomSpd(int n, int seed, DType dtype = DType.Float64, int batch = 0)
    {
        Shape shape = batch == 0 ? new Shape(n, n) : new Shape(batch, n, n);
        Tensor x = Tensor.RandomNormal(shape, 0, 1, new Generator((ulong)seed), DType.Float64);
        Tensor a = Tensor.MatMul(x, x.Transpose(-2, -1)) / n + Tensor.Eye(n, DType.Float64);
        return a.To(dtype);
    }

    [Fact]
    public void Cholesky_of_a_known_matrix()
    {
        // [[4, 2], [2, 5]] = [[2, 0], [1, 2]] [[2, 1], [0, 2]]
        Tensor l = Tensor.Cholesky(Tensor.FromArray(new double[] { 4, 2, 2, 5 }, new Shape(2, 2)));
        Assert.Equal([2.0, 0, 1, 2], l.ToDoubleArray());
        Assert.Equal(Math.Log(16), Tensor.LogDet(Tensor.FromArray(new double[] { 4, 2, 2, 5 }, new Shape(2, 2))).Item(), 12);
    }

    [Fact]
    public void Solves_invert_what_the_products_do()
    {
        Tensor a = RandomSpd(9, 1);
        Tensor b = Tensor.RandomNormal(new Shape(9, 4), 0, 1, new Generator(2), DType.Float64);
        Tensor l = Tensor.Cholesky(a);
        Assert.Equal(a.ToDoubleArray(), Tensor.MatMul(l, l.Transpose()).ToDoubleArray(), new Tolerance(1e-12));
        Assert.Equal(b.ToDoubleArray(), Tensor.MatMul(a, Tensor.CholeskySolve(b, l)).ToDoubleArray(), new Tolerance(1e-11));
        Assert.Equal(b.ToDoubleArray(), Tensor.MatMul(l.Transpose(), Tensor.TriangularSolve(l, b, transpose: true)).ToDoubleArray(), new Tolerance(1e-11));
        Tensor u = l.Transpose().Contiguous();
        Assert.Equal(b.ToDoubleArray(), Tensor.MatMul(u, Tensor.TriangularSolve(u, b, upper: true)).ToDoubleArray(), new Tolerance(1e-11));
        Assert.Equal(Tensor.Eye(9, DType.Float64).ToDoubleArray(), Tensor.MatMul(a, Tensor.CholeskyInverse(l)).ToDoubleArray(), new Tolerance(1e-11));
    }

    [Fact]
    public void A_batch_is_each_matrix_on_its_own()
    {
        Tensor a = RandomSpd(5, 3, batch: 3);
        Tensor l = Tensor.Cholesky(a);
        Tensor logDet = Tensor.LogDet(a);
        Assert.Equal(new Shape(3), logDet.Shape);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Tensor.Cholesky(a.Select(0, i)).ToDoubleArray(), l.Select(0, i).ToDoubleArray(), new Tolerance(1e-14));
            Assert.Equal(Tensor.LogDet(a.Select(0, i)).Item(), logDet[i], 12);
        }
    }

    [Fact]
    public void Float32_values_and_gradients_agree_with_float64()
    {
        Tensor a64 = RandomSpd(12, 4);
        Tensor b64 = Tensor.RandomNormal(new Shape(12, 2), 0, 1, new Generator(5), DType.Float64);
        (double[] value, double[] grad) Run(DType dtype)
        {
            var a = new Variable(a64.To(dtype));
            Variable b = b64.To(dtype);
            Variable l = F.Cholesky(a);
            Variable y = F.Sum(F.CholeskySolve(b, l) * b) + F.LogDet(a) + F.Sum(F.TriangularSolve(l, b, transpose: true));
            y.Backward();
            return (l.Data.ToDoubleArray(), a.Grad!.Data.ToDoubleArray());
        }
        (double[] v32, double[] g32) = Run(DType.Float32);
        (double[] v64, double[] g64) = Run(DType.Float64);
        Assert.Equal(v64, v32, new Tolerance(1e-5, 1e-5));
        Assert.Equal(g64, g32, new Tolerance(1e-4, 1e-4));
    }

    [Fact]
    public void An_indefinite_matrix_is_refused_with_its_pivot_and_value()
    {
        Tensor a = RandomSpd(300, 6);
        // make the leading minor of order 42 singular and then indefinite: a[41, 41] lowered below its Schur complement
        Tensor l = Tensor.Cholesky(a);
        double pivot = l[41, 41];
        double[] values = a.ToDoubleArray();
        values[(41 * 300) + 41] -= (pivot * pivot) + 3.2e-5;
        var e = Assert.Throws<NotPositiveDefiniteException>(() => Tensor.Cholesky(Tensor.FromArray(values, new Shape(300, 300))));
        Assert.Equal(41, e.Pivot);
        Assert.Equal(-3.2e-5, e.Value, 1e-9);
        Assert.StartsWith("cholesky: (300, 300) is not positive definite at pivot 41 (value -3.2e-05); add jitter, e.g. 1e-6·I", e.Message);
        Assert.Throws<NotPositiveDefiniteException>(() => F.Cholesky(new Variable(Tensor.FromArray(values, new Shape(300, 300)))));
    }

    [Fact]
    public void Jitter_rescues_a_singular_matrix_and_says_how_much_it_added()
    {
        // rank 3 in dimension 6: positive semidefinite, not definite
        Tensor x = Tensor.RandomNormal(new Shape(6, 3), 0, 1, new Generator(7), DType.Float64);
        Tensor a = Tensor.MatMul(x, x.Transpose());
        Assert.False(Tensor.TryCholesky(a, out _, out NotPositiveDefiniteException? failure));
        Assert.NotNull(failure);

        var v = new Variable(a);
        Variable l = F.CholeskyWithJitter(v, out double jitter);
        Assert.InRange(jitter, 1e-12, 1e-2);
        double[] reconstructed = Tensor.MatMul(l.Data, l.Data.Transpose()).ToDoubleArray();
        double[] expected = (a + (Tensor.Eye(6, DType.Float64) * jitter)).ToDoubleArray();
        Assert.Equal(expected, reconstructed, new Tolerance(1e-10));
        F.Sum(l).Backward();
        Assert.True(v.Grad!.Data.IsFinite());

        Tensor.CholeskyWithJitter(RandomSpd(4, 8), out double none);
        Assert.Equal(0, none);
        Tensor negative = Tensor.Eye(3, DType.Float64) * -1.0;
        var e = Assert.Throws<NotPositiveDefiniteException>(() => Tensor.CholeskyWithJitter(negative, out _));
        Assert.Contains("even with jitter", e.Message);
    }

    [Fact]
    public void Shapes_that_do_not_fit_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Cholesky(Tensor.Zeros(new Shape(3, 4))));
        Assert.Contains("(3, 4) is not a square matrix", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.TriangularSolve(Tensor.Eye(3), Tensor.Zeros(new Shape(4, 2))));
        Assert.Contains("(3, 3) against (4, 2)", e.Message);
        Tensor singular = Tensor.FromArray(new double[] { 1, 0, 2, 0 }, new Shape(2, 2));
        e = Assert.Throws<ArgumentException>(() => Tensor.TriangularSolve(singular, Tensor.Ones(new Shape(2), DType.Float64)));
        Assert.Contains("singular: diagonal element 1 is 0", e.Message);
    }

    [Fact]
    public void Tril_triu_and_diagonal()
    {
        Tensor x = Tensor.Arange(1, 10, 1, DType.Float64).Reshape(3, 3);
        Assert.Equal([1.0, 0, 0, 4, 5, 0, 7, 8, 9], Tensor.Tril(x).ToDoubleArray());
        Assert.Equal([0.0, 2, 3, 0, 0, 6, 0, 0, 0], Tensor.Triu(x, 1).ToDoubleArray());
        Assert.Equal([1.0, 5, 9], Tensor.Diagonal(x).ToDoubleArray());
        Assert.Equal([1.0, 5, 9], F.Diagonal(new Variable(x)).Data.ToDoubleArray());
    }
}

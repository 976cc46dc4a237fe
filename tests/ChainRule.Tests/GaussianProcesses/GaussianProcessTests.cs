using ChainRule.Data;
using ChainRule.GaussianProcesses;
using ChainRule.NN;

namespace ChainRule.Tests.GaussianProcesses;

// Exact GP regression against a naive float64 reference built on an explicit inverse (Gauss-Jordan), on random
// problems whose kernel matrix has condition number at most 1e6; gradients of the marginal likelihood against
// central differences; the kernels' algebra.
public class GaussianProcessTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Posterior_and_marginal_likelihood_equal_the_explicit_inverse_reference(int seed)
    {
        var g = new Generator((ulong)seed);
        int n = 40, m = 25;
        Tensor x = Tensor.RandomUniform(new Shape(n, 2), -1, 1, g, DType.Float64);
        Tensor y = Tensor.RandomNormal(new Shape(n), 3, 1, g, DType.Float64);
        Tensor xs = Tensor.RandomUniform(new Shape(m, 2), -1.2, 1.2, g, DType.Float64);
        // Gershgorin: every eigenvalue of K + σ² I lies in [σ², n·variance + σ²]; σ² = n·variance / 1e6 bounds the condition number by 1e6
        double lengthScale = 0.2 + (0.3 * seed), variance = 0.5 * seed, noise = n * variance / 1e6;
        var gp = new GaussianProcessRegression(new RbfKernel(lengthScale, variance), noise, mean: 2.5);

        double[,] k = Rbf(x, x, lengthScale, variance);
        for (int i = 0; i < n; i++)
        {
            k[i, i] += noise;
        }
        double[,] inverse = Invert(k);
        double[] r = y.ToDoubleArray().Select(v => v - 2.5).ToArray();
        double[] alpha = Multiply(inverse, r);
        double logDet = LogDeterminant(k);
        double lml = (-0.5 * r.Zip(alpha, (a, b) => a * b).Sum()) - (0.5 * logDet) - (0.5 * n * Math.Log(2 * Math.PI));
        Assert.Equal(lml, gp.LogMarginalLikelihood(x, y).Item(), 1e-9 * Math.Abs(lml));

        GpPrediction p = gp.Predict(x, y, xs);
        double[,] cross = Rbf(xs, x, lengthScale, variance);
        double[] mean = p.Mean.ToDoubleArray(), latent = p.LatentVariance.ToDoubleArray(), predictive = p.PredictiveVariance.ToDoubleArray();
        for (int j = 0; j < m; j++)
        {
            double mu = 2.5, quad = 0;
            for (int i = 0; i < n; i++)
            {
                mu += cross[j, i] * alpha[i];
                for (int l = 0; l < n; l++)
                {
                    quad += cross[j, i] * inverse[i, l] * cross[j, l];
                }
            }
            Assert.Equal(mu, mean[j], 1e-9 * Math.Max(1, Math.Abs(mu)));
            double expected = Math.Max(variance - quad, 0);
            Assert.True(Math.Abs(expected - latent[j]) <= 1e-9 * variance, $"variance at {j}: {latent[j]} vs {expected}");
            Assert.Equal(latent[j] + noise, predictive[j], 1e-12); // the predictive variance includes the noise
        }
    }

    [Fact]
    public void Marginal_likelihood_gradients_match_central_differences()
    {
        var g = new Generator(11);
        Tensor x = Tensor.RandomUniform(new Shape(30, 2), -1, 1, g, DType.Float64);
        Tensor y = Tensor.RandomNormal(new Shape(30), 0, 1, g, DType.Float64);
        var features = new Sequential(new Linear(2, 5, new Generator(3)), new Tanh());
        Kernel kernel = (new RbfKernel(0.7, 1.3) * new LinearKernel(0.5, 0.2)) + new NngpKernel(WidthActivation.Erf) + new DeepKernel(features) + new NetworkKernel(features);
        var gp = new GaussianProcessRegression(kernel, 0.05, mean: 0.3);
        foreach (Parameter p in gp.NamedParameters().Select(q => q.Parameter))
        {
            p.Data = p.Data.To(DType.Float64);
        }
        gp.LogMarginalLikelihood(x, y).Backward();
        foreach ((string name, Parameter p) in gp.NamedParameters())
        {
            double[] analytic = p.Grad!.Data.ToDoubleArray();
            double[] values = p.Data.ToDoubleArray();
            for (int i = 0; i < values.Length; i++)
            {
                double Shifted(double h)
                {
                    double[] v = (double[])values.Clone();
                    v[i] += h;
                    p.Data = Tensor.FromArray(v, p.Data.Shape);
                    using Autograd.Scope noGrad = Autograd.NoGrad();
                    return gp.LogMarginalLikelihood(x, y).Item();
                }
                double numeric = (Shifted(1e-6) - Shifted(-1e-6)) / 2e-6;
                p.Data = Tensor.FromArray(values, p.Data.Shape);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-5 * (1 + Math.Abs(numeric)), $"{name}[{i}]: analytic {analytic[i]}, numeric {numeric}");
            }
        }
    }

    [Fact]
    public void Kernels_are_differentiable_in_their_inputs()
    {
        var rbf = new RbfKernel(0.8, 1.5);
        var relu = new NngpKernel(WidthActivation.Relu, 1.2, 0.7);
        var erf = new NngpKernel(WidthActivation.Erf, 1.2, 0.7);
        var rng = new Generator(5);
        Tensor[] inputs = [Tensor.RandomNormal(new Shape(4, 3), 0, 1, rng, DType.Float64), Tensor.RandomNormal(new Shape(5, 3), 0, 1, rng, DType.Float64)];
        foreach (Kernel k in new Kernel[] { rbf, relu, erf, new LinearKernel(0.3, 0.4) })
        {
            GradientCheck.Report report = GradientCheck.Check(v => k.Matrix(v[0], v[1]), inputs, 1e-6, 1e-5);
            Assert.True(report.Passed, $"{k}: {report}");
        }
    }

    [Fact]
    public void Kernel_algebra_and_closed_forms()
    {
        Tensor x = Tensor.FromArray(new double[] { 0, 0, 1, 0 }, new Shape(2, 2));
        Variable v = x;
        var rbf = new RbfKernel(2, 3);
        Assert.Equal(3 * Math.Exp(-1.0 / 8), rbf.Matrix(v, v).Data[0, 1], 12);
        Kernel sum = rbf + new LinearKernel(2, 1);
        Assert.Equal((3 * Math.Exp(-1.0 / 8)) + 1, sum.Matrix(v, v).Data[0, 1], 12);
        Assert.Equal(3 + (2 * 1) + 1, sum.Matrix(v, v).Data[1, 1], 12);
        Kernel product = rbf * new WhiteNoiseKernel(0.5);
        Assert.Equal(1.5, product.Matrix(v, v).Data[0, 0], 12);
        Assert.Equal(0, product.Matrix(v, v).Data[0, 1], 12);
        Assert.Equal(0, new WhiteNoiseKernel(0.5).Matrix(v, (Variable)x).Data[0, 0], 12); // another point set: no noise
        Assert.Equal(["0.0.log_lengthscale", "0.0.log_variance", "0.1.log_variance"], (rbf * new WhiteNoiseKernel() + new WhiteNoiseKernel()).NamedParameters().Take(3).Select(p => p.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RbfKernel(lengthScale: -1));
    }

    [Fact]
    public void A_network_kernel_is_its_features_inner_products_and_trains_its_weights()
    {
        var features = new Sequential(new Linear(2, 8, new Generator(2)), new Tanh());
        var kernel = new NetworkKernel(features, variance: 2);
        Tensor x = Tensor.RandomUniform(new Shape(6, 2), -1, 1, new Generator(4), DType.Float64);
        Tensor phi = features.Forward(x).Data;
        double[] expected = (Tensor.MatMul(phi, phi.Transpose()) * (2.0 / 8)).ToDoubleArray();
        Variable xv = x;
        Assert.Equal(expected, kernel.Matrix(xv, xv).Data.ToDoubleArray(), new Tolerance(1e-6));
        Assert.Contains(kernel.NamedParameters(), p => p.Name == "features.0.weight");
        F.Sum(kernel.Matrix(xv, xv)).Backward();
        Assert.True(Tensor.Abs(features.Parameters().First().Grad!.Data).Max().Item() > 0);
    }

    [Fact]
    public void Fitting_raises_the_marginal_likelihood_and_recovers_the_noise()
    {
        (Tensor x, Tensor y) = ToyRegression.Create(300, noise: 0.1, seed: 3);
        var gp = new GaussianProcessRegression(new RbfKernel(), noiseVariance: 0.1, mean: y.Mean().Item());
        double[] history = gp.Fit(x, y, new GpFitOptions { Steps = 300 });
        Assert.True(history[^1] > history[0] + 0.5, $"log marginal likelihood per point {history[0]} -> {history[^1]}");
        Assert.InRange(gp.NoiseVariance, 0.007, 0.013); // the truth is 0.01
    }

    [Fact]
    public void Posterior_samples_have_the_posterior_mean_and_variance()
    {
        Tensor x = Tensor.FromArray(new double[] { -0.5, 0, 0.5 }, new Shape(3, 1));
        Tensor y = Tensor.FromArray(1.0, 0.0, -1.0);
        var gp = new GaussianProcessRegression(new RbfKernel(0.5, 1), 0.01);
        Tensor xs = Tensor.Linspace(-1, 1, 9, DType.Float64).Unsqueeze(1);
        Tensor samples = gp.SamplePosterior(x, y, xs, 4000, new Generator(8));
        Assert.Equal(new Shape(4000, 9), samples.Shape);
        GpPrediction p = gp.Predict(x, y, xs);
        Assert.Equal(p.Mean.ToDoubleArray(), samples.Mean(0).ToDoubleArray(), new Tolerance(0.05));
        Assert.Equal(p.LatentVariance.ToDoubleArray(), samples.Var([0]).ToDoubleArray(), new Tolerance(0.03, 0.1));
    }

    [Fact]
    public void The_readme_deep_kernel_example_runs_and_is_calibrated()
    {
        var gen = new Generator(1);
        (Tensor x, Tensor y) = ToyRegression.Create(200, seed: 5);
        (Tensor xTest, Tensor yTest) = ToyRegression.Create(500, seed: 6);
        // the README's lines, as written there
        var features = new Sequential(new Linear(2, 64, gen), new Tanh(), new Linear(64, 64, gen), new Tanh());
        var gp = new GaussianProcessRegression(new DeepKernel(features, new RbfKernel()), noiseVariance: 0.01, mean: 7.5);
        gp.Fit(x, y);
        GpPrediction p = gp.Predict(x, y, xTest);
        Tensor draws = gp.SamplePosterior(x, y, xTest, count: 10, gen);

        Assert.Equal(new Shape(10, 500), draws.Shape);
        GpScore score = GpScore.Of(p, yTest);
        Assert.True(score.Rmse < 0.2, $"RMSE {score.Rmse}");
        Assert.InRange(score.Coverage, 0.85, 1.0);
    }

    [Fact]
    public void Bad_inputs_are_named()
    {
        var gp = new GaussianProcessRegression(new RbfKernel());
        var e = Assert.Throws<ArgumentException>(() => gp.LogMarginalLikelihood(Tensor.Zeros(new Shape(5, 2)), Tensor.Zeros(new Shape(4))));
        Assert.Contains("(5, 2)", e.Message);
        Assert.Contains("(4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianProcessRegression(new RbfKernel(), noiseVariance: 0));
    }

    [Fact]
    public void The_toy_set_is_seeded_and_inside_its_range()
    {
        (Tensor x, Tensor y) = ToyRegression.Create(2000, seed: 9);
        Assert.Equal(new Shape(2000, 2), x.Shape);
        Assert.True(x.Max().Item() < 1 && x.Min().Item() > -1);
        Assert.True(y.Max().Item() < 10 && y.Min().Item() > 5);
        Assert.Equal(y.ToDoubleArray(), ToyRegression.Create(2000, seed: 9).Targets.ToDoubleArray());
        Assert.NotEqual(y.ToDoubleArray(), ToyRegression.Create(2000, seed: 10).Targets.ToDoubleArray());
    }

    private static double[,] Rbf(Tensor a, Tensor b, double lengthScale, double variance)
    {
        double[] x = a.ToDoubleArray(), y = b.ToDoubleArray();
        int n = a.Shape[0], m = b.Shape[0], d = a.Shape[1];
        var k = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int c = 0; c < d; c++)
                {
                    double diff = x[(i * d) + c] - y[(j * d) + c];
                    s += diff * diff;
                }
                k[i, j] = variance * Math.Exp(-s / (2 * lengthScale * lengthScale));
            }
        }
        return k;
    }

    // Gauss-Jordan with partial pivoting.
    private static double[,] Invert(double[,] a)
    {
        int n = a.GetLength(0);
        var m = (double[,])a.Clone();
        var inv = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            inv[i, i] = 1;
        }
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++)
            {
                if (Math.Abs(m[r, c]) > Math.Abs(m[p, c]))
                {
                    p = r;
                }
            }
            for (int j = 0; j < n; j++)
            {
                (m[c, j], m[p, j]) = (m[p, j], m[c, j]);
                (inv[c, j], inv[p, j]) = (inv[p, j], inv[c, j]);
            }
            double pivot = m[c, c];
            for (int j = 0; j < n; j++)
            {
                m[c, j] /= pivot;
                inv[c, j] /= pivot;
            }
            for (int r = 0; r < n; r++)
            {
                if (r == c)
                {
                    continue;
                }
                double f = m[r, c];
                for (int j = 0; j < n; j++)
                {
                    m[r, j] -= f * m[c, j];
                    inv[r, j] -= f * inv[c, j];
                }
            }
        }
        return inv;
    }

    // log det by Gaussian elimination with partial pivoting (the matrix is SPD: the product of pivots is positive).
    private static double LogDeterminant(double[,] a)
    {
        int n = a.GetLength(0);
        var m = (double[,])a.Clone();
        double log = 0;
        for (int c = 0; c < n; c++)
        {
            int p = c;
            for (int r = c + 1; r < n; r++)
            {
                if (Math.Abs(m[r, c]) > Math.Abs(m[p, c]))
                {
                    p = r;
                }
            }
            for (int j = 0; j < n; j++)
            {
                (m[c, j], m[p, j]) = (m[p, j], m[c, j]);
            }
            log += Math.Log(Math.Abs(m[c, c]));
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / m[c, c];
                for (int j = c; j < n; j++)
                {
                    m[r, j] -= f * m[c, j];
                }
            }
        }
        return log;
    }

    private static double[] Multiply(double[,] a, double[] x)
    {
        int n = a.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                y[i] += a[i, j] * x[j];
            }
        }
        return y;
    }
}

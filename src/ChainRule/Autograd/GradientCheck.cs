namespace ChainRule;

/// <summary>
/// Compares analytic gradients with central differences in float64 (MISSION 1.2:
/// dL/dz_i = lim (L(z_i + eps) - L(z_i - eps)) / 2 eps), DeZero's gradient_check.
/// </summary>
/// <remarks>
/// Inputs are promoted to float64. A non-scalar output y is reduced to L = sum(y * r) with a fixed random r,
/// so every element of the Jacobian contributes. An element passes when
/// |analytic - numeric| &lt;= absoluteTolerance + relativeTolerance * |numeric|.
/// </remarks>
public static class GradientCheck
{
    /// <summary>The outcome of a check: pass or fail, and the worst element seen.</summary>
    public sealed record Report(
        bool Passed, int ElementsChecked, int WorstInput, int[] WorstIndex, double Analytic, double Numeric, double AbsoluteError)
    {
        public override string ToString() =>
            $"{(Passed ? "passed" : "FAILED")}: {ElementsChecked} elements; worst at input {WorstInput} index {Shape.Format(WorstIndex)}: " +
            $"analytic {Analytic:G10}, numeric {Numeric:G10}, |difference| {AbsoluteError:G3}";
    }

    /// <summary>Checks the first derivatives of <paramref name="f"/> at <paramref name="inputs"/>.</summary>
    public static Report Check(
        Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs,
        double epsilon = 1e-6, double relativeTolerance = 1e-5, double absoluteTolerance = 1e-7, ulong seed = 20240601)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        Tensor[] x = inputs.Select(t => t.To(DType.Float64).Clone()).ToArray();
        Tensor weights = UpstreamWeights(f, x, seed);

        Variable[] variables = x.Select(t => new Variable(t)).ToArray();
        Variable loss = F.Sum(f(variables) * weights);
        Variable[] analytic = Autograd.Grad(loss, variables);

        var worst = new Report(true, 0, 0, [], 0, 0, 0);
        double worstRatio = -1;
        int checkedCount = 0;
        for (int i = 0; i < x.Length; i++)
        {
            Tensor a = analytic[i].Data.To(DType.Float64);
            for (int flat = 0; flat < x[i].Size; flat++)
            {
                int[] index = Unflatten(flat, x[i].Shape);
                double original = x[i][index];
                x[i][index] = original + epsilon;
                double plus = Evaluate(f, x, weights);
                x[i][index] = original - epsilon;
                double minus = Evaluate(f, x, weights);
                x[i][index] = original;

                double numeric = (plus - minus) / (2 * epsilon);
                double error = Math.Abs(a[index] - numeric);
                double ratio = error / (absoluteTolerance + (relativeTolerance * Math.Abs(numeric)));
                if (double.IsNaN(error))
                {
                    ratio = double.PositiveInfinity;
                }
                if (ratio > worstRatio)
                {
                    worstRatio = ratio;
                    worst = new Report(ratio <= 1, 0, i, index, a[index], numeric, error);
                }
                checkedCount++;
            }
        }
        return worst with { ElementsChecked = checkedCount };
    }

    /// <summary>
    /// Checks second derivatives: the gradient of g(x) = sum(grad f(x) * v), for a fixed random v, computed by
    /// differentiating the backward pass (createGraph), against central differences of g.
    /// </summary>
    public static Report CheckSecondOrder(
        Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs,
        double epsilon = 1e-6, double relativeTolerance = 1e-5, double absoluteTolerance = 1e-7, ulong seed = 20240601)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Tensor[] x = inputs.Select(t => t.To(DType.Float64)).ToArray();
        Tensor weights = UpstreamWeights(f, x, seed);
        var generator = new Generator(seed + 1);
        Tensor[] directions = x.Select(t => Tensor.RandomNormal(t.Shape, 0, 1, generator, DType.Float64)).ToArray();
        Variable FirstDerivativeProbe(Variable[] v)
        {
            // The probe differentiates inside, so it needs a graph even when the caller evaluates it under NoGrad.
            using var gradMode = Autograd.EnableGrad();
            Variable[] leaves = v.Select(t => t.RequiresGrad ? t : new Variable(t.Data)).ToArray();
            Variable loss = F.Sum(f(leaves) * weights);
            Variable[] grads = Autograd.Grad(loss, leaves, createGraph: true);
            Variable total = F.Sum(grads[0] * directions[0]);
            for (int i = 1; i < grads.Length; i++)
            {
                total += F.Sum(grads[i] * directions[i]);
            }
            return total;
        }
        return Check(FirstDerivativeProbe, x, epsilon, relativeTolerance, absoluteTolerance, seed);
    }

    /// <summary>Runs <see cref="Check"/> and throws with the report when it fails.</summary>
    /// <exception cref="InvalidOperationException">The analytic and numeric gradients differ beyond the tolerances.</exception>
    public static Report Assert(Func<Variable[], Variable> f, IReadOnlyList<Tensor> inputs, double relativeTolerance = 1e-5, double absoluteTolerance = 1e-7)
    {
        Report report = Check(f, inputs, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance);
        return report.Passed ? report : throw new InvalidOperationException($"gradient check {report}");
    }

    private static Tensor UpstreamWeights(Func<Variable[], Variable> f, Tensor[] x, ulong seed)
    {
        Shape outputShape;
        using (Autograd.NoGrad())
        {
            outputShape = f(x.Select(t => new Variable(t, requiresGrad: false)).ToArray()).Shape;
        }
        return Tensor.RandomNormal(outputShape, 0, 1, new Generator(seed), DType.Float64);
    }

    private static double Evaluate(Func<Variable[], Variable> f, Tensor[] x, Tensor weights)
    {
        using (Autograd.NoGrad())
        {
            Variable y = f(x.Select(t => new Variable(t, requiresGrad: false)).ToArray());
            return (y.Data.To(DType.Float64) * weights).Sum().Item();
        }
    }

    private static int[] Unflatten(int flat, Shape shape)
    {
        var index = new int[shape.Rank];
        for (int i = shape.Rank - 1; i >= 0; i--)
        {
            index[i] = flat % shape.Dims[i];
            flat /= shape.Dims[i];
        }
        return index;
    }
}

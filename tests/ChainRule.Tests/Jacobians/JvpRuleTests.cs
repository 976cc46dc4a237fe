using System.Reflection;
using ChainRule.Tests.Functions;
using Xunit.Abstractions;

namespace ChainRule.Tests.Jacobians;

// Every Function's Jvp rule against central differences along a random direction v in float64:
// J v = (f(x + eps v) - f(x - eps v)) / 2 eps, for every row of GradientTests' table, plus the two ops that appear
// only inside backward graphs. A second check runs each row's backward pass in forward mode (forward over reverse,
// as Autograd.Hessian does) against central differences of the gradient.
public class JvpRuleTests(ITestOutputHelper output)
{
    private static readonly Tensor GatherIndex = Tensor.FromArray(new long[] { 2, 0, 1, 1, 3, 0 }, [2, 3]);
    private static readonly Tensor TakeIndices = Tensor.FromArray(2L, 0L, 2L);
    // conv2d of (2, 2, 4, 5) by (3, 2, 3, 3), padding 1: output (2, 3, 4, 5)
    private static readonly ChainRule.Kernels.ConvGeometry ConvGeometry = Tensor.ConvGeometryOf(new Shape(2, 2, 4, 5), new Shape(3, 2, 3, 3), [1, 1], [1, 1, 1, 1], [1, 1], 1);
    private static readonly Tensor ReluMaskSource = Tensor.FromArray(-1.0, 2.0, 0.5, -0.25);

    public static readonly Dictionary<string, GradientTests.OpCase> Cases = new(GradientTests.Cases)
    {
        ["gather grad (scatter-add)"] = new(v => new ChainRule.Functions.GatherGrad(new Shape(2, 4), 1, GatherIndex).Apply(v[0]), [[2, 3]]),
        ["take grad (index-add)"] = new(v => new ChainRule.Functions.TakeGrad(new Shape(4, 2), TakeIndices, 0).Apply(v[0]), [[3, 2]]),
        ["tanh grad"] = new(v => new ChainRule.Functions.TanhGrad().Apply(v[0], v[1]), [[3, 4], [3, 4]]),
        ["sigmoid grad"] = new(v => new ChainRule.Functions.SigmoidGrad().Apply(v[0], v[1]), [[3, 4], [4]]),
        ["relu grad"] = new(v => new ChainRule.Functions.ReluGrad(ReluMaskSource).Apply(v[0]), [[4]]),
        ["conv2d weight grad"] = new(v => new ChainRule.Functions.Conv2dWeightGrad(ConvGeometry).Apply(v[0], v[1]), [[2, 2, 4, 5], [2, 3, 4, 5]]),
        ["plane scatter (max-pool gradient)"] = new(v => new ChainRule.Functions.PlaneScatter(GradientTests.PoolPositions, new Shape(1, 2, 3, 4)).Apply(v[0]), [[1, 2, 2, 2]]),
        ["avg pool2d adjoint"] = new(v => new ChainRule.Functions.AvgPool2dAdjoint(ChainRule.Kernels.PoolAxis.Sliding(5, 3, 2, 1), ChainRule.Kernels.PoolAxis.Sliding(6, 3, 2, 1), false, new Shape(1, 2, 5, 6)).Apply(v[0]), [[1, 2, 3, 3]]),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Jvp_matches_central_differences_along_a_random_direction(string name)
    {
        GradientTests.OpCase op = Cases[name];
        Tensor[] x = GradientTests.Inputs(op);
        Tensor[] v = Directions(x);

        Tensor analytic = PushForward(op.F, x, v);
        Tensor numeric = (Evaluate(op.F, Shift(x, v, op.Epsilon)) - Evaluate(op.F, Shift(x, v, -op.Epsilon))) / (2 * op.Epsilon);
        AssertClose($"{name}, every input moving", numeric, analytic, 1e-6, op.Tolerance);

        for (int i = 0; x.Length > 1 && i < x.Length; i++)
        {
            // the other inputs have no tangent (zero): J_i v_i alone
            Tensor?[] only = v.Select((d, j) => j == i ? d : null).ToArray();
            numeric = (Evaluate(op.F, Shift(x, only, op.Epsilon)) - Evaluate(op.F, Shift(x, only, -op.Epsilon))) / (2 * op.Epsilon);
            AssertClose($"{name}, only input {i} moving", numeric, PushForward(op.F, x, only), 1e-6, op.Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_over_reverse_matches_central_differences_of_the_gradient(string name)
    {
        GradientTests.OpCase op = Cases[name];
        if (!op.SecondOrder)
        {
            return; // linear in a float32 round-trip: no second derivative to resolve
        }
        Tensor[] x = GradientTests.Inputs(op);
        Tensor[] v = Directions(x);
        Tensor w = Tensor.RandomNormal(Evaluate(op.F, x).Shape, 0, 1, new Generator(99), DType.Float64);
        const double epsilon = 1e-6;

        Variable[] gradient = Gradient(op, x, v, w); // the Tangent of gradient i is H_i v, the Hessian-vector product
        Tensor[] plus = Gradient(op, Shift(x, v, epsilon), null, w).Select(g => g.Data).ToArray();
        Tensor[] minus = Gradient(op, Shift(x, v, -epsilon), null, w).Select(g => g.Data).ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            Tensor analytic = gradient[i].Tangent?.Data ?? Tensor.ZerosLike(x[i]);
            AssertClose($"{name}, input {i}", (plus[i] - minus[i]) / (2 * epsilon), analytic, 1e-6, 1e-4);
        }
    }

    [Fact]
    public void Every_Function_subclass_has_its_own_Jvp_and_a_row_that_checks_it()
    {
        Type[] all = typeof(Function).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Function)) && !t.IsAbstract).ToArray();
        Type[] inheriting = all.Where(t => t.GetMethod("Jvp", BindingFlags.Instance | BindingFlags.NonPublic)!.DeclaringType != t).ToArray();
        Assert.True(inheriting.Length == 0, "no Jvp of its own: " + string.Join(", ", inheriting.Select(t => t.Name)));

        // Every Function recorded from inputs that require a gradient lies on a path from an input, so it gets a
        // tangent, and runs its Jvp, when every input moves.
        var covered = new HashSet<Type>();
        foreach (GradientTests.OpCase op in Cases.Values)
        {
            Variable[] inputs = GradientTests.Inputs(op).Select(t => new Variable(t)).ToArray();
            foreach (Function f in Backprop.TopologicalOrder([op.F(inputs)]))
            {
                covered.Add(f.GetType());
            }
        }
        Type[] missing = all.Where(t => !covered.Contains(t)).ToArray();
        output.WriteLine($"The Jvp table covers {covered.Count} of {all.Length} Function classes through {Cases.Count} expressions.");
        Assert.True(missing.Length == 0, "no Jvp check exercises: " + string.Join(", ", missing.Select(t => t.Name)));
    }

    // dy for tangents v on the inputs (null: that input does not move), by one forward pass in forward mode.
    private static Tensor PushForward(Func<Variable[], Variable> f, Tensor[] x, Tensor?[] v)
    {
        Variable[] inputs = x.Select((t, i) => new Variable(t, requiresGrad: false) { Tangent = v[i] is Tensor d ? new Variable(d, requiresGrad: false) : null }).ToArray();
        using (Autograd.ForwardMode())
        {
            Variable y = f(inputs);
            return (y.Tangent?.Data ?? Tensor.ZerosLike(y.Data)).To(DType.Float64);
        }
    }

    // The gradients of sum(f(x) * w) with respect to every input; with tangents v, the backward pass runs in forward mode.
    private static Variable[] Gradient(GradientTests.OpCase op, Tensor[] x, Tensor[]? v, Tensor w)
    {
        Variable[] inputs = x.Select((t, i) => new Variable(t) { Tangent = v is null ? null : new Variable(v[i], requiresGrad: false) }).ToArray();
        using (Autograd.ForwardMode(v is not null))
        {
            return Autograd.Grad(F.Sum(op.F(inputs) * w), inputs);
        }
    }

    private static Tensor Evaluate(Func<Variable[], Variable> f, Tensor[] x)
    {
        using (Autograd.NoGrad())
        {
            return f(x.Select(t => new Variable(t, requiresGrad: false)).ToArray()).Data.To(DType.Float64);
        }
    }

    private static Tensor[] Shift(Tensor[] x, Tensor?[] v, double epsilon) =>
        x.Select((t, i) => v[i] is Tensor d ? t + (epsilon * d) : t).ToArray();

    private static Tensor[] Directions(Tensor[] x)
    {
        var g = new Generator(4321);
        return x.Select(t => Tensor.RandomNormal(t.Shape, 0, 1, g, DType.Float64)).ToArray();
    }

    private void AssertClose(string what, Tensor numeric, Tensor analytic, double absolute, double relative)
    {
        Assert.Equal(numeric.Shape, analytic.Shape);
        double[] n = numeric.ToDoubleArray(), a = analytic.ToDoubleArray();
        int worst = 0;
        for (int k = 0; k < n.Length; k++)
        {
            worst = Math.Abs(a[k] - n[k]) > Math.Abs(a[worst] - n[worst]) ? k : worst;
        }
        string report = n.Length == 0 ? $"{what}: empty" : $"{what}: worst at flat index {worst}: Jvp {a[worst]:G10}, numeric {n[worst]:G10}";
        output.WriteLine(report);
        Assert.True(n.Zip(a).All(p => Math.Abs(p.First - p.Second) <= absolute + (relative * Math.Abs(p.First))), report);
    }
}

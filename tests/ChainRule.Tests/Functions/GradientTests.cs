using ChainRule.NN;
using System.Reflection;
using Xunit.Abstractions;

namespace ChainRule.Tests.Functions;

// One row per differentiable op (and per composite built from them), checked against central
// differences in float64 (GradientCheck), first and second order. A reflection test fails when a
// Function subclass is not exercised by some row, so no op escapes the check.
public class GradientTests(ITestOutputHelper output)
{
    /// <summary>Where inputs are drawn: anywhere, strictly positive (log, sqrt), or away from kinks (relu, abs, max).</summary>
    public enum Domain
    {
        Any,
        Positive,
        AwayFromZero,
    }

    public sealed record OpCase(Func<Variable[], Variable> F, int[][] Shapes, Domain Domain = Domain.Any, bool SecondOrder = true, double Epsilon = 1e-6, double Tolerance = 1e-5);

    private static readonly Tensor GatherIndex = Tensor.FromArray(new long[] { 2, 0, 1, 1, 3, 0 }, [2, 3]);
    private static readonly Tensor TakeIndices = Tensor.FromArray(2, 0, 2); // Int32 indices work as Int64 ones do
    private static readonly Tensor Labels = Tensor.FromArray(3L, 0L, 1L);
    private static readonly Tensor Condition = Tensor.FromArray(true, false, false, true);
    internal static readonly Tensor PoolPositions = Tensor.FromArray(new[] { 0, 5, 7, 11, 1, 2, 10, 3 }, new Shape(8)); // per output of (1, 2, 2, 2): a position in its (3, 4) plane

    public static readonly Dictionary<string, OpCase> Cases = new()
    {
        // arithmetic, with broadcasting
        ["add"] = new(v => v[0] + v[1], [[3, 4], [3, 4]]),
        ["add (broadcast)"] = new(v => v[0] + v[1], [[2, 3, 4], [3, 1]]),
        ["add scalar"] = new(v => 2.5 + v[0], [[3]]),
        ["subtract (broadcast)"] = new(v => v[0] - v[1], [[4], [3, 4]]),
        ["multiply (broadcast)"] = new(v => v[0] * v[1], [[3, 1], [1, 4]]),
        ["divide (broadcast)"] = new(v => v[0] / v[1], [[3, 4], [4]], Domain.Positive),
        ["negate"] = new(v => -v[0], [[2, 3]]),
        ["pow constant"] = new(v => F.Pow(v[0], 3), [[5]]),
        ["pow fractional"] = new(v => F.Pow(v[0], 1.5), [[5]], Domain.Positive),
        ["pow tensor (broadcast)"] = new(v => F.Pow(v[0], v[1]), [[2, 3], [3]], Domain.Positive),
        ["maximum (broadcast)"] = new(v => F.Maximum(v[0], v[1]), [[3, 4], [4]]),
        ["minimum"] = new(v => F.Minimum(v[0], v[1]), [[3, 4], [3, 4]]),
        // unary math
        ["exp"] = new(v => F.Exp(v[0]), [[2, 3]]),
        ["log"] = new(v => F.Log(v[0]), [[2, 3]], Domain.Positive),
        ["sqrt"] = new(v => F.Sqrt(v[0]), [[2, 3]], Domain.Positive),
        ["abs"] = new(v => F.Abs(v[0]), [[2, 3]], Domain.AwayFromZero),
        ["sin"] = new(v => F.Sin(v[0]), [[4]]),
        ["cos"] = new(v => F.Cos(v[0]), [[4]]),
        ["erf"] = new(v => F.Erf(v[0]), [[6]]),
        ["asin"] = new(v => F.Asin(F.Tanh(v[0])), [[6]]),
        // float32 resolves steps of about 1e-7 relative: a wide step and a linear function keep the check meaningful
        ["cast to float32"] = new(v => F.To(v[0], DType.Float32) * 3, [[3]], SecondOrder: false, Epsilon: 1e-2, Tolerance: 1e-4),
        // activations
        ["tanh"] = new(v => F.Tanh(v[0]), [[3, 4]]),
        ["sigmoid"] = new(v => F.Sigmoid(v[0]), [[3, 4]]),
        ["relu"] = new(v => F.Relu(v[0]), [[3, 4]], Domain.AwayFromZero),
        ["leaky relu"] = new(v => F.LeakyRelu(v[0], 0.1), [[3, 4]], Domain.AwayFromZero),
        ["gelu"] = new(v => F.Gelu(v[0]), [[3, 4]]),
        ["softplus"] = new(v => F.Softplus(v[0]), [[3, 4]]),
        ["clamp"] = new(v => F.Clamp(v[0], -0.5, 0.7), [[3, 4]], Domain.AwayFromZero),
        ["where (broadcast)"] = new(v => F.Where(Condition, v[0], v[1]), [[3, 4], [4]]),
        ["softmax"] = new(v => F.Softmax(v[0], axis: -1), [[3, 5]]),
        ["softmax axis 0"] = new(v => F.Softmax(v[0], axis: 0), [[3, 5]]),
        ["log softmax"] = new(v => F.LogSoftmax(v[0], axis: 1), [[2, 4, 3]]),
        // reductions
        ["sum all"] = new(v => F.Sum(v[0]), [[3, 4]]),
        ["sum axis 1"] = new(v => F.Sum(v[0], 1), [[2, 3, 4]]),
        ["sum axes 0,2 keepDims"] = new(v => F.Sum(v[0], [0, 2], keepDims: true), [[2, 3, 4]]),
        ["mean"] = new(v => F.Mean(v[0], 0), [[3, 4]]),
        ["var"] = new(v => F.Var(v[0], [1], ddof: 1), [[3, 4]]),
        ["std"] = new(v => F.Std(v[0]), [[3, 4]]),
        ["max axis 1"] = new(v => F.Max(v[0], 1), [[3, 4]]),
        ["max all"] = new(v => F.Max(v[0]), [[3, 4]]),
        ["min axis 0 keepDims"] = new(v => F.Min(v[0], 0, keepDims: true), [[3, 4]]),
        ["logsumexp"] = new(v => F.LogSumExp(v[0], [1]), [[3, 4]]),
        ["broadcast_to"] = new(v => F.BroadcastTo(v[0], new Shape(2, 3, 4)), [[3, 1]]),
        ["sum_to"] = new(v => F.SumTo(v[0], new Shape(3, 1)), [[2, 3, 4]]),
        // movement
        ["reshape"] = new(v => F.Reshape(v[0], 4, -1) * Tensor.Arange(3, DType.Float64), [[2, 6]]),
        ["transpose"] = new(v => v[0].T * Tensor.Arange(2, DType.Float64), [[2, 3]]),
        ["permute"] = new(v => F.Permute(v[0], 2, 0, 1), [[2, 3, 4]]),
        ["slice with step"] = new(v => F.Slice(v[0], 1, 1, 6, 2), [[3, 7]]),
        ["slice negative start"] = new(v => F.Slice(v[0], 0, -2, 4), [[4, 2]]),
        ["select"] = new(v => F.Select(v[0], 1, -1), [[3, 4]]),
        ["squeeze/unsqueeze"] = new(v => F.Unsqueeze(F.Squeeze(v[0]), 0), [[3, 1, 2]]),
        ["concat"] = new(v => F.Concat([v[0], v[1], v[0]], axis: 1), [[2, 3], [2, 1]]),
        ["stack"] = new(v => F.Stack([v[0], v[1]], axis: 1), [[2, 3], [2, 3]]),
        ["split"] = new(v => F.Split(v[0], [1, 3], axis: 1)[1] * F.Split(v[0], [2, 2], axis: 1)[0].Sum(), [[2, 4]]),
        // products
        ["matmul"] = new(v => v[0].MatMul(v[1]), [[3, 4], [4, 5]]),
        ["matmul transposed operands"] = new(v => v[0].T.MatMul(v[1].T), [[4, 3], [5, 4]]),
        ["matmul batched (broadcast)"] = new(v => v[0].MatMul(v[1]), [[2, 3, 4], [4, 2]]),
        ["matmul batched both"] = new(v => v[0].MatMul(v[1]), [[2, 1, 3, 4], [3, 4, 2]]),
        ["matmul vector-vector"] = new(v => v[0].MatMul(v[1]), [[4], [4]]),
        ["matmul matrix-vector"] = new(v => v[0].MatMul(v[1]), [[3, 4], [4]]),
        ["matmul vector-matrix"] = new(v => v[0].MatMul(v[1]), [[4], [4, 2]]),
        // indexing
        ["gather"] = new(v => F.Gather(v[0], 1, GatherIndex), [[2, 4]]),
        ["take"] = new(v => F.Take(v[0], TakeIndices, axis: 1), [[2, 3, 2]]),
        ["take 2-d indices"] = new(v => F.Take(v[0], GatherIndex.Slice(1, 0, 2), axis: 0), [[4, 3]]),
        ["linear"] = new(v => F.Linear(v[0], v[1], v[2]), [[4, 3], [2, 3], [2]]),
        ["linear no bias"] = new(v => F.Linear(v[0], v[1]), [[4, 3], [2, 3]]),
        // convolution and pooling, NCHW
        ["conv2d"] = new(v => F.Conv2d(v[0], v[1], v[2], stride: 1, padding: 1), [[2, 3, 5, 4], [4, 3, 3, 3], [4]]),
        ["conv2d strided, dilated, grouped, per-axis"] = new(v => F.Conv2d(v[0], v[1], null, (2, 1), (1, 2), (2, 1), groups: 2), [[1, 4, 7, 6], [4, 2, 3, 2]]),
        ["conv2d same padding, even kernel"] = new(v => F.Conv2d(v[0], v[1], v[2], "same"), [[1, 2, 5, 5], [3, 2, 2, 3], [3]]),
        ["conv1d"] = new(v => F.Conv1d(v[0], v[1], v[2], stride: 2, padding: 1), [[2, 3, 7], [2, 3, 3], [2]]),
        ["conv transpose2d"] = new(v => F.ConvTranspose2d(v[0], v[1], v[2], stride: 2, padding: 1, outputPadding: 1), [[1, 2, 3, 3], [2, 3, 3, 3], [3]]),
        ["max pool2d"] = new(v => F.MaxPool2d(v[0], 2), [[2, 2, 5, 6]]),
        ["max pool2d overlapping, padded"] = new(v => F.MaxPool2d(v[0], 3, stride: 2, padding: 1), [[1, 2, 5, 6]]),
        ["avg pool2d padded, padding not counted"] = new(v => F.AvgPool2d(v[0], 3, stride: 2, padding: 1, countIncludePad: false), [[1, 2, 5, 6]]),
        ["avg pool2d"] = new(v => F.AvgPool2d(v[0], 2), [[2, 1, 4, 5]]),
        ["adaptive avg pool2d"] = new(v => F.AdaptiveAvgPool2d(v[0], 2, 3), [[1, 2, 5, 7]]),
        ["batch norm (training statistics)"] = new(v => F.BatchNorm(v[0], null, null, v[1], v[2], training: true), [[4, 3, 2, 2], [3], [3]]),
        ["batch norm 1d"] = new(v => F.BatchNorm(v[0], null, null, null, null, training: true), [[5, 3]]),
        ["pad (constant, per side)"] = new(v => F.Pad(v[0], [1, 2, 0, 1], 0.5), [[2, 1, 3, 2]]),
        ["pad cropping (negative amounts)"] = new(v => F.Pad(v[0], [-1, 2, 1, -2]), [[1, 2, 4, 3]]),
        ["unfold"] = new(v => F.Unfold(v[0], 2, dilation: 1, padding: 1, stride: 2), [[2, 2, 3, 4]]),
        ["fold"] = new(v => F.Fold(v[0], 3, 4, 2, padding: 1, stride: 1), [[1, 8, 20]]),
        ["upsample nearest"] = new(v => F.Upsample(v[0], 5, 3), [[1, 2, 2, 2]]),
        ["layer norm"] = new(v => F.LayerNorm(v[0], new Shape(4, 5), v[1], v[2]), [[3, 4, 5], [4, 5], [4, 5]]),
        ["plane gather (max-pool routing)"] = new(v => new ChainRule.Functions.PlaneGather(PoolPositions, new Shape(1, 2, 2, 2)).Apply(v[0]), [[1, 2, 3, 4]]),
        // losses
        ["softmax cross-entropy"] = new(v => Losses.SoftmaxCrossEntropy(v[0], Labels), [[3, 4]]),
        ["softmax cross-entropy smoothed, summed"] = new(v => Losses.SoftmaxCrossEntropy(v[0], Labels, Reduction.Sum, 0.1), [[3, 4]]),
        ["binary cross-entropy with logits"] = new(v => Losses.BinaryCrossEntropyWithLogits(v[0], v[1]), [[3, 2], [3, 2]]),
        ["mse"] = new(v => Losses.MeanSquaredError(v[0], v[1]), [[3, 2], [3, 2]]),
        // linear algebra, on symmetric positive definite X X^T + n I and triangular X + 4 I built from free inputs
        // (as torch's gradcheck does: the ops read one triangle, their gradients are symmetric)
        ["cholesky"] = new(v => F.Cholesky(Spd(v[0])), [[4, 4]]),
        ["cholesky batched"] = new(v => F.Cholesky(Spd(v[0])), [[2, 3, 3]]),
        ["triangular solve lower"] = new(v => F.TriangularSolve(Triangular(v[0]), v[1]), [[4, 4], [4, 3]]),
        ["triangular solve lower transposed"] = new(v => F.TriangularSolve(Triangular(v[0]), v[1], transpose: true), [[4, 4], [4, 2]]),
        ["triangular solve upper"] = new(v => F.TriangularSolve(Triangular(v[0]), v[1], upper: true), [[3, 3], [3, 2]]),
        ["triangular solve upper transposed, vector"] = new(v => F.TriangularSolve(Triangular(v[0]), v[1], upper: true, transpose: true), [[4, 4], [4]]),
        ["triangular solve batched"] = new(v => F.TriangularSolve(Triangular(v[0]), v[1]), [[2, 3, 3], [2, 3, 2]]),
        ["triangular solve one matrix, batched right-hand sides"] = new(v => F.TriangularSolve(Triangular(v[0]), v[1], upper: true), [[3, 3], [2, 3, 2]]),
        ["cholesky solve"] = new(v => F.CholeskySolve(v[1], F.Cholesky(Spd(v[0]))), [[3, 3], [3, 2]]),
        ["log det"] = new(v => F.LogDet(Spd(v[0])), [[4, 4]]),
        ["log det batched"] = new(v => F.LogDet(Spd(v[0])), [[2, 3, 3]]),
        // the notes' loss: 1/2 sum (x - y)^2 through a sigmoid layer
        ["mlp layer"] = new(v => F.Sum(F.Square(F.Sigmoid(v[0].MatMul(v[1]) + v[2]))) * 0.5, [[4, 3], [3, 2], [2]]),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_matches_central_differences(string name)
    {
        OpCase op = Cases[name];
        GradientCheck.Report report = GradientCheck.Check(op.F, Inputs(op), op.Epsilon, op.Tolerance);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, $"{name}: {report}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Second_derivative_matches_central_differences_of_the_gradient(string name)
    {
        OpCase op = Cases[name];
        if (!op.SecondOrder)
        {
            return; // linear in a float32 round-trip: no second derivative to resolve; first order is checked above
        }
        GradientCheck.Report report = GradientCheck.CheckSecondOrder(op.F, Inputs(op), relativeTolerance: 1e-4, absoluteTolerance: 1e-6);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, $"{name}: {report}");
    }

    [Fact]
    public void Every_Function_subclass_is_gradient_checked()
    {
        var covered = new HashSet<Type>();
        foreach (OpCase op in Cases.Values)
        {
            Variable[] x = Inputs(op).Select(t => new Variable(t)).ToArray();
            Variable y = op.F(x);
            Variable[] grads = Autograd.Grad(F.Sum(y * y), x, createGraph: true); // the backward graph uses ops too (GatherGrad, TakeGrad)
            foreach (Function f in Backprop.TopologicalOrder([y, .. grads]))
            {
                covered.Add(f.GetType());
            }
        }
        Type[] all = typeof(Function).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Function)) && !t.IsAbstract).ToArray();
        Type[] missing = all.Where(t => !covered.Contains(t)).ToArray();
        output.WriteLine($"GradientCheck covers {covered.Count} of {all.Length} Function classes through {Cases.Count} checked expressions, first and second order.");
        Assert.True(missing.Length == 0, "no gradient check exercises: " + string.Join(", ", missing.Select(t => t.Name)));
    }

    [Fact]
    public void Relu_at_its_kink_has_gradient_zero_and_max_ties_split_evenly()
    {
        var x = new Variable(Tensor.FromArray(-1.0, 0.0, 2.0));
        F.Sum(F.Relu(x)).Backward();
        Assert.Equal([0.0, 0.0, 1.0], x.Grad!.Data.ToDoubleArray());

        var m = new Variable(Tensor.FromArray(3.0, 1.0, 3.0));
        F.Max(m).Backward();
        Assert.Equal([0.5, 0.0, 0.5], m.Grad!.Data.ToDoubleArray());

        var a = new Variable(Tensor.FromArray(1.0, 2.0));
        var b = new Variable(Tensor.FromArray(1.0, 1.0));
        F.Sum(F.Maximum(a, b)).Backward();
        Assert.Equal([0.5, 1.0], a.Grad!.Data.ToDoubleArray());
        Assert.Equal([0.5, 0.0], b.Grad!.Data.ToDoubleArray());
    }

    /// <summary>X X^T + n I: symmetric positive definite, well conditioned, for any X (..., n, n).</summary>
    internal static Variable Spd(Variable x) => F.MatMul(x, x.Transpose(-2, -1)) + (Tensor.Eye(x.Shape[-1], x.DType) * x.Shape[-1]);

    /// <summary>X + 4 I: its triangles are well-conditioned triangular matrices for X drawn from N(0, 1).</summary>
    internal static Variable Triangular(Variable x) => x + (Tensor.Eye(x.Shape[-1], x.DType) * 4.0);

    internal static Tensor[] Inputs(OpCase op)
    {
        var g = new Generator(1234);
        return op.Shapes.Select(shape =>
        {
            Tensor t = Tensor.RandomNormal(shape, 0, 1, g, DType.Float64);
            return op.Domain switch
            {
                Domain.Positive => Tensor.Abs(t) + 0.5,
                Domain.AwayFromZero => Tensor.Sign(t) * (Tensor.Abs(t) + 0.2),
                _ => t,
            };
        }).ToArray();
    }
}

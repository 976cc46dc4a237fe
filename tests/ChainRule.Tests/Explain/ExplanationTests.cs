using ChainRule.Explain;

namespace ChainRule.Tests.Explain;

public class ExplanationTests
{
    // Expressions and values covering every op, shared nodes, a variable used twice in one node, broadcasting and
    // matrix products: for each, every input's sum over paths must equal the gradient Backward accumulates.
    public static TheoryData<string, string[]> Cases => new()
    {
        { "3*(a + a*b*c)", ["a=5", "b=3", "c=2"] },
        { "u = a*b; V = u*u + u; J = V/b - a", ["a=2", "b=3"] },
        { "a*a*a", ["a=1.5"] },
        { "exp(a)*sin(b)/c - a^2 + sqrt(b) + log(c) + tanh(a) + sigmoid(b) + relu(-a) + cos(c)", ["a=0.5", "b=2", "c=3"] },
        { "a^b + 2^a", ["a=1.3", "b=2.2"] },
        { "a^0 + b", ["a=2", "b=3"] },                     // no gradient reaches a: Backward leaves a.Grad null, the path gives 0
        { "sum(x @ y + z)", ["x=[[1,1],[1,1],[1,1]]", "y=[[0.5,0.5],[0.5,0.5]]", "z=[[0.25,0.25],[0.25,0.25],[0.25,0.25]]"] },
        { "sum((x @ y + z) * M + z)", ["x=[[1,1],[1,1],[1,1]]", "y=[[0.5,0.5],[0.5,0.5]]", "z=[[0.25,0.25],[0.25,0.25],[0.25,0.25]]", "M=[[1,0],[2,1],[0,1]]"] },
        { "mean(tanh(W @ x + b) ^ 2) * s", ["W=[[1,-2],[0.5,3],[2,1]]", "x=[0.3,-0.7]", "b=[0.1,0.2,-0.3]", "s=1.5"] },
        { "sum(sigmoid(x * w) / (1 + x) - x @ x)", ["x=[0.5,1,2]", "w=2"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_sum_over_paths_equals_the_gradient_Backward_accumulates(string expression, string[] values)
    {
        Explanation e = Explanation.Create(expression, TensorLiteral.ParseAssignments(values));

        foreach (InputGradient g in e.Gradients)
        {
            Assert.NotNull(g.PathSum);
            Assert.Equal(g.Autograd.Shape, g.PathSum.Shape);
            double[] expected = g.Autograd.ToDoubleArray(), actual = g.PathSum.ToDoubleArray();
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])),
                    $"d{e.OutputName}/d{g.Input}[{i}]: path sum {actual[i]:R}, Backward {expected[i]:R}");
            }
        }
        Assert.Contains(e.Lines, l => l.StartsWith($"{e.OutputName}.Backward() accumulates the same gradients", StringComparison.Ordinal));
    }

    [Fact]
    public void Backward_itself_agrees_with_central_differences_on_an_explained_graph()
    {
        Tensor a = Tensor.Scalar(0.7, DType.Float64), b = Tensor.Scalar(-1.3, DType.Float64);
        Explanation e = Explanation.Create("exp(a)*sin(b) + a^3/b", new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });

        double da = Math.Exp(0.7) * Math.Sin(-1.3) + (3 * 0.7 * 0.7 / -1.3);
        double db = (Math.Exp(0.7) * Math.Cos(-1.3)) - (0.7 * 0.7 * 0.7 / (1.3 * 1.3));
        Assert.Equal(da, e.Gradients[0].PathSum!.Item(), 12);
        Assert.Equal(db, e.Gradients[1].PathSum!.Item(), 12);
    }

    [Fact]
    public void Unnamed_nodes_are_named_breadth_first_from_the_output_skipping_names_in_use()
    {
        // V is an input, so level 1 gets u = exp(...) and w = sin(...), level 2 p = a*b and q = a - V.
        Explanation e = Explanation.Create("exp(a*b) + sin(a - V)", MissionExplanationTests.Scalars(("a", 1), ("b", 2), ("V", 3)));

        Assert.Equal(["a", "b", "V", "p", "u", "q", "w", "J"], e.Nodes.Select(n => n.Name)); // inputs, then forward order
        Assert.Contains("  u  Exp       exp(p) = 7.38906", e.Lines);
        Assert.Contains("  w  Sin       sin(q) = -0.909297", e.Lines);
    }

    [Fact]
    public void A_variable_used_twice_in_one_node_has_one_path_per_use()
    {
        Explanation e = Explanation.Create("a*a", MissionExplanationTests.Scalars(("a", 3)));

        Assert.Contains("  dJ/da(1) = a = 3", e.Lines);
        Assert.Contains("  dJ/da = dJ/da(1) + dJ/da(2) = 3 + 3 = 6", e.Lines);
    }

    [Fact]
    public void Negative_factors_are_parenthesised()
    {
        Explanation e = Explanation.Create("J = -2*a*b", MissionExplanationTests.Scalars(("a", 3), ("b", -1)));

        Assert.Contains("  dJ/da = (-2)·b = 2", e.Lines);
        Assert.Contains("  dJ/db = -6", e.Lines);
    }

    [Fact]
    public void An_input_reached_by_too_many_paths_is_summarised_with_the_Backward_gradient()
    {
        // Each level doubles the paths: 2^6 = 64 > MaxPaths.
        string expression = "q1 = a + a; q2 = q1 + q1; q3 = q2 + q2; q4 = q3 + q3; q5 = q4 + q4; J = q5 + q5";
        Explanation e = Explanation.Create(expression, MissionExplanationTests.Scalars(("a", 1)));

        Assert.Null(e.Gradients[0].PathSum);
        Assert.Equal(64, e.Gradients[0].PathCount);
        Assert.Contains("  dJ/da: 64 paths, too many to write out; Backward gives dJ/da = 64", e.Lines);
    }

    [Fact]
    public void Broadcasting_shows_the_sum_back_to_the_operand_shape()
    {
        Explanation e = Explanation.Create("sum(x + b)", TensorLiteral.ParseAssignments(["x=[[1,2],[3,4]]", "b=[10,20]"]));

        Assert.Contains("      g_b = sum_to(g_V, (2,)) = [2, 2]", e.Lines);
    }

    [Fact]
    public void The_library_graph_is_kept_with_names_values_and_every_gradient()
    {
        Explanation e = Explanation.Create("3*(a + a*b*c)", MissionExplanationTests.Scalars(("a", 5), ("b", 3), ("c", 2)));

        string dot = Graph.ToDot(e.Output);
        Assert.Contains("label=\"J\\n105\\ngrad 1\"", dot, StringComparison.Ordinal);
        Assert.Contains("label=\"V\\n35\\ngrad 3\"", dot, StringComparison.Ordinal);
        Assert.Contains("label=\"a\\n5\\ngrad 21\"", dot, StringComparison.Ordinal);
        Assert.Contains("label=\"15\\ngrad 6\"", dot, StringComparison.Ordinal); // a*b, inside the chain u = a*b*c
    }

    [Theory]
    [InlineData("a+b", new[] { "a=1", "b=2", "d=3" }, "a value is given for 'd', which the expression does not use")]
    [InlineData("u = a*b; J = u + 1", new[] { "a=1", "b=2", "u=3" }, "'u' is defined by the expression, so it takes no value")]
    [InlineData("3*(a + a*b*c)", new[] { "a=5", "b=3" }, "expression column 12: no value for 'c' (give it as c=VALUE)")]
    [InlineData("sum(x @ y)", new[] { "x=[[1,2]]", "y=[[1,2]]" }, "expression column 7: matmul: (1, 2) @ (1, 2): inner dimensions 2 and 1 differ.")]
    [InlineData("sum(x + y)", new[] { "x=[1,2]", "y=[1,2,3]" }, "expression column 7: ")]
    [InlineData("x * 2", new[] { "x=[1,2]" }, "the output has shape (2,), but the chain rule here starts from one number; wrap the expression in sum(...) or mean(...)")]
    public void Problems_are_reported_in_one_line(string expression, string[] values, string message)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Explanation.Create(expression, TensorLiteral.ParseAssignments(values)));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}

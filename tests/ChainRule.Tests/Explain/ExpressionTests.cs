using ChainRule.Explain;

namespace ChainRule.Tests.Explain;

public class ExpressionTests
{
    [Theory]
    [InlineData("3*(a + a*b*c)", "Multiply(3, Add(a, Multiply(a, b, c)))")]
    [InlineData("a*b*c + d + e", "Add(Multiply(a, b, c), d, e)")]
    [InlineData("(a*b)*c", "Multiply(Multiply(a, b), c)")]           // parentheses start a new node
    [InlineData("a - b - c", "Subtract(Subtract(a, b), c)")]
    [InlineData("a*b/c*d", "Multiply(Divide(Multiply(a, b), c), d)")]
    [InlineData("x @ y + z", "Add(MatMul(x, y), z)")]
    [InlineData("2*x @ y", "MatMul(Multiply(2, x), y)")]             // @ binds like *, left to right
    [InlineData("-a^2", "Negate(Power(a, 2))")]
    [InlineData("a^b^c", "Power(a, Power(b, c))")]                    // right-associative
    [InlineData("a^-1", "Power(a, -1)")]
    [InlineData("sum(exp(-x) * 2^3)", "Sum(Multiply(Exp(Negate(x)), 8))")] // 2^3 has no names: folded
    [InlineData("sigmoid(relu(x))+mean(tanh(x))", "Add(Sigmoid(Relu(x)), Mean(Tanh(x)))")]
    [InlineData("1.5e-1*x + .5", "Add(Multiply(0.15, x), 0.5)")]
    public void Parse_builds_the_tree(string text, string tree) => Assert.Equal(tree, Show(Expression.Parse(text).Root));

    [Fact]
    public void Named_statements_share_one_node_per_name()
    {
        Expression e = Expression.Parse("u = a*b; V = u*u + u; J = 2*V");

        var add = (OperationExpr)((OperationExpr)e.Root).Operands[1];
        var product = (OperationExpr)add.Operands[0];
        Assert.Same(product.Operands[0], product.Operands[1]);
        Assert.Same(product.Operands[0], add.Operands[1]);
        Assert.Equal("u", e.Names[product.Operands[0]]);
        Assert.Equal("V", e.Names[add]);
        Assert.Equal("J", e.OutputName);
        Assert.Equal(["a", "b"], e.Inputs);
    }

    [Fact]
    public void Inputs_are_listed_in_order_of_first_use()
    {
        Assert.Equal(["c", "a", "b"], Expression.Parse("c + a*b + a*c").Inputs);
    }

    [Fact]
    public void Evaluate_computes_a_whole_tensor_without_a_graph()
    {
        Tensor x = Tensor.Linspace(-1, 1, 5, DType.Float64).Reshape(5, 1);

        Tensor y = Expression.Parse("sin(3*x) + x^2").Evaluate(new Dictionary<string, Tensor> { ["x"] = x });

        double[] expected = x.ToDoubleArray().Select(v => Math.Sin(3 * v) + (v * v)).ToArray();
        Assert.Equal(new Shape(5, 1), y.Shape);
        Assert.Equal(expected, y.ToDoubleArray(), (p, q) => Math.Abs(p - q) < 1e-12);
    }

    [Theory]
    [InlineData("3*(a + b", 9, "expected ')' to close the '(' at column 3")]
    [InlineData("3*(a + b))", 10, "unexpected ')' with no '(' to close")]
    [InlineData("a + * b", 5, "expected a number, a name, a function or '(', found '*'")]
    [InlineData("a +", 4, "expected a number, a name, a function or '(', found the end of the expression")]
    [InlineData("2 a", 3, "expected an operator, found the name 'a'")]
    [InlineData("foo(a) + b", 1, "unknown function 'foo'; the functions are exp, log, sqrt, sin, cos, tanh, sigmoid, relu, sum, mean")]
    [InlineData("exp(a, b)", 6, "exp takes one argument")]
    [InlineData("sum(a", 6, "expected ')' to close sum( at column 1")]
    [InlineData("a # b", 3, "unexpected character '#'")]
    [InlineData("1.2.3 * a", 1, "'1.2.3' is not a number")]
    [InlineData("", 1, "the expression is empty")]
    [InlineData("a*b; J = a", 1, "only the last statement may be left unnamed (write name = ...)")]
    [InlineData("u = a*b; u = a*c; J = u", 10, "'u' is defined twice")]
    [InlineData("V = a + u; u = a*b; J = V", 12, "'u' is used at column 9 before this definition; define names before using them")]
    [InlineData("u = a*b; J = 2*a", 1, "'u' is defined but the output does not use it")]
    [InlineData("u = a; J = 2*u", 1, "'u = a' only renames 'a'; use 'a' itself")]
    [InlineData("2^3 + 1", 1, "the expression has no names in it: there is nothing to differentiate")]
    [InlineData("a", 1, "the output is the input 'a' itself: there is nothing to differentiate")]
    public void Parse_reports_the_column_of_the_problem(string text, int column, string problem)
    {
        var error = Assert.Throws<ExpressionException>(() => Expression.Parse(text));

        Assert.Equal(column, error.Column);
        Assert.Equal(problem, error.Problem);
        Assert.Equal($"expression column {column}: {problem}", error.Message);
    }

    [Fact]
    public void Evaluate_reports_a_missing_value_at_its_first_use()
    {
        var error = Assert.Throws<ExpressionException>(() =>
            Expression.Parse("3*(a + a*b*c)").Evaluate(MissionExplanationTests.Scalars(("a", 5), ("b", 3))));

        Assert.Equal("expression column 12: no value for 'c' (give it as c=VALUE)", error.Message);
    }

    internal static string Show(Expr e) => e switch
    {
        NumberExpr n => TensorText.Number(n.Value),
        NameExpr n => n.Name,
        OperationExpr op => $"{op.Op}({string.Join(", ", op.Operands.Select(Show))})",
        _ => throw new ArgumentException(e.ToString()),
    };
}

// Inputs that once overflowed the stack (issue 11): the nesting depth is capped, with a clear error.
public class ExpressionDepthTests
{
    public static TheoryData<string> Deep() => new()
    {
        new string('(', 10_000) + "x" + new string(')', 10_000),
        string.Concat(Enumerable.Repeat("tanh(", 10_000)) + "x" + new string(')', 10_000),
        new string('-', 100_000) + "x",
        string.Join("^", Enumerable.Repeat("a", 10_000)),
    };

    [Theory]
    [MemberData(nameof(Deep))]
    public void A_deeply_nested_expression_is_refused_not_a_stack_overflow(string text)
    {
        var e = Assert.Throws<ExpressionException>(() => Expression.Parse(text));
        Assert.Contains("nests deeper than 200 levels", e.Message);
    }

    [Fact]
    public void Nesting_within_the_limit_still_parses_and_evaluates()
    {
        string text = new string('(', 150) + "x" + new string(')', 150) + " * " + string.Concat(Enumerable.Repeat("tanh(", 40)) + "x" + new string(')', 40);
        Tensor y = Expression.Parse(text).Evaluate(new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(0.5, DType.Float64) });
        double t = 0.5;
        for (int i = 0; i < 40; i++)
        {
            t = Math.Tanh(t);
        }
        Assert.Equal(0.5 * t, y.Item(), 12);
    }

    [Fact]
    public void A_flat_sum_of_100000_terms_is_one_node()
    {
        string text = string.Join(" + ", Enumerable.Repeat("x", 100_000)) + " - x*x*x";
        Expression e = Expression.Parse(text);
        Tensor y = e.Evaluate(new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(2, DType.Float64) });
        Assert.Equal(200_000 - 8, y.Item());
    }

    // Names make graphs as deep as the statements are many, and '-' or '/' chains make left-deep trees: the parser,
    // the folding, the evaluation and the explanation walk them without recursion, in linear time and memory (10,000
    // chained statements took 8 s and 7 GB). A 256 KB stack holds no recursion that deep.
    [Theory]
    [InlineData("chain", 10_000)]
    [InlineData("subtract", 20_000)]
    [InlineData("divide", 20_000)]
    public void A_graph_thousands_deep_is_explained_in_linear_memory_on_a_small_stack(string kind, int n)
    {
        string text = kind switch
        {
            "chain" => "a1 = x*2; " + string.Concat(Enumerable.Range(2, n - 1).Select(i => $"a{i} = a{i - 1}*1; ")) + $"J = a{n}*1",
            "subtract" => "x" + string.Concat(Enumerable.Repeat(" - x", n)),
            _ => "x" + string.Concat(Enumerable.Repeat(" / x", n)),
        };
        Explanation? explanation = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            explanation = Explanation.Create(text, new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(1, DType.Float64) });
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();

        Assert.NotNull(explanation);
        // 10,000 statements allocate about 90 MB in all; quadratic work would take gigabytes
        Assert.True(allocated < 40_000L * n, $"{allocated:N0} bytes allocated for {n} levels");
        InputGradient g = Assert.Single(explanation.Gradients);
        Assert.Equal(g.Autograd.Item(), g.PathSum?.Item() ?? g.Autograd.Item());
        if (kind == "chain")
        {
            Assert.Equal(1, g.PathCount);
            Assert.Equal(n + 1, g.Paths[0].Steps.Count); // J, then a_n down to a1
            Assert.Equal(2, g.PathSum!.Item());
        }
    }

    [Fact]
    public void A_deeply_nested_tensor_literal_is_refused()
    {
        var e = Assert.Throws<ExpressionException>(() => ChainRule.Explain.TensorLiteral.Parse(new string('[', 100_000) + "1" + new string(']', 100_000)));
        Assert.Contains("nest deeper than 32 levels", e.Message);
        Assert.Equal(new Shape(1, 1, 1), ChainRule.Explain.TensorLiteral.Parse("[[[1]]]").Shape);
    }
}

namespace ChainRule.Explain;

// What each op of the expression language is: the library calls that compute it, the name shown in the Function
// column, how its formula reads, and how the vector-Jacobian product its Backward computes reads.
// NOTE: the texts only describe; every number an explanation prints comes from the library (Forward, and
// Autograd.Grad for derivatives), never from these strings.
internal static class Operations
{
    private const string Dot = "\u00B7";     // middle dot: a product of scalars
    private const string Odot = " \u2299 ";  // circled dot: the elementwise product

    public static Variable Apply(OperationExpr e, Variable[] x)
    {
        try
        {
            return e.Op switch
            {
                Op.Add => x.Aggregate(F.Add),
                Op.Subtract => F.Subtract(x[0], x[1]),
                Op.Multiply => x.Aggregate(F.Multiply),
                Op.Divide => F.Divide(x[0], x[1]),
                Op.MatMul => F.MatMul(x[0], x[1]),
                Op.Power when e.Operands[1] is NumberExpr p => F.Pow(x[0], p.Value),
                Op.Power => F.Pow(x[0], x[1]),
                Op.Negate => F.Negate(x[0]),
                Op.Exp => F.Exp(x[0]),
                Op.Log => F.Log(x[0]),
                Op.Sqrt => F.Sqrt(x[0]),
                Op.Sin => F.Sin(x[0]),
                Op.Cos => F.Cos(x[0]),
                Op.Tanh => F.Tanh(x[0]),
                Op.Sigmoid => F.Sigmoid(x[0]),
                Op.Relu => F.Relu(x[0]),
                Op.Sum => F.Sum(x[0]),
                Op.Mean => F.Mean(x[0]),
                _ => throw new InvalidOperationException($"no rule for {e.Op}"),
            };
        }
        catch (ArgumentException problem) when (problem is not ExpressionException)
        {
            throw new ExpressionException("expression", e.Column, problem.Message);
        }
    }

    /// <summary>The Function column: the library's Function for the op (a chain a*b*c is Multiply, Mean is Sum / n).</summary>
    public static string Name(Op op) => op == Op.Power ? "Pow" : op.ToString();

    /// <summary>The right-hand side of "u = a*b*c", from the operands' labels.</summary>
    public static string Formula(Op op, string[] x, bool tensorProduct) => op switch
    {
        Op.Add => string.Join(" + ", x),
        Op.Subtract => $"{x[0]} - {x[1]}",
        Op.Multiply => string.Join(tensorProduct ? Odot : Dot, x),
        Op.Divide => $"{x[0]}/{x[1]}",
        Op.MatMul => $"{x[0]} @ {x[1]}",
        Op.Power => $"{x[0]}^{x[1]}",
        Op.Negate => $"-{x[0]}",
        _ => $"{op.ToString().ToLowerInvariant()}({x[0]})",
    };

    /// <summary>
    /// How the derivative of the node y with respect to its operand i reads. In scalar form (g null) it is the local
    /// derivative dy/dx_i ("b*c" for u = a*b*c and operand a); in tensor form it is the vector-Jacobian product that
    /// the op's Backward computes from the upstream gradient g ("g_V @ y^T").
    /// </summary>
    public static string Rule(OperationExpr e, int i, string[] x, string y, string? g, Shape[] shapes, Shape yShape)
    {
        string rule = Derivative(e, i, x, y, g, shapes);
        bool elementwise = e.Op is Op.Add or Op.Subtract or Op.Multiply or Op.Divide or Op.Power;
        return g is not null && elementwise && shapes[i] != yShape ? $"sum_to({rule}, {shapes[i]})" : rule;
    }

    private static string Derivative(OperationExpr e, int i, string[] x, string y, string? g, Shape[] shapes)
    {
        bool scalar = g is null;
        string Times(string factor) => scalar ? factor : g + Odot + factor;
        return e.Op switch
        {
            Op.Add => scalar ? "1" : g!,
            Op.Subtract when i == 0 => scalar ? "1" : g!,
            Op.Subtract => scalar ? "-1" : "-" + g,
            Op.Multiply => Product(x, i, g, shapes),
            Op.Divide when i == 0 => scalar ? $"1/{x[1]}" : $"{g} / {x[1]}",
            Op.Divide => scalar ? $"-{x[0]}/{x[1]}^2" : $"-{g}{Odot}{x[0]} / {x[1]}^2",
            Op.MatMul when i == 0 => scalar ? $"{x[1]}^T" : $"{g} @ {x[1]}^T",
            Op.MatMul => scalar ? $"{x[0]}^T" : $"{x[0]}^T @ {g}",
            Op.Power when e.Operands[1] is NumberExpr p => Times(PowerRule(x[0], p.Value)),
            Op.Power when i == 0 => Times($"{x[1]}{Dot}{x[0]}^({x[1]} - 1)"),
            Op.Power => Times($"{y}{Dot}log({x[0]})"),
            Op.Negate => scalar ? "-1" : "-" + g,
            Op.Exp => Times($"exp({x[0]})"),
            Op.Log => scalar ? $"1/{x[0]}" : $"{g} / {x[0]}",
            Op.Sqrt => scalar ? $"1/(2{Dot}sqrt({x[0]}))" : $"{g} / (2{Dot}sqrt({x[0]}))",
            Op.Sin => Times($"cos({x[0]})"),
            Op.Cos => scalar ? $"-sin({x[0]})" : $"-{g}{Odot}sin({x[0]})",
            Op.Tanh => Times(scalar ? $"1 - {y}^2" : $"(1 - {y}^2)"),
            Op.Sigmoid => scalar ? $"{y}{Dot}(1 - {y})" : $"{g}{Odot}{y}{Odot}(1 - {y})",
            Op.Relu => Times($"[{x[0]} > 0]"),
            Op.Sum => scalar || shapes[0].Size == 1 ? (g ?? "1") : $"{g}{Dot}ones({TensorText.Shape(shapes[0])})",
            Op.Mean => scalar || shapes[0].Size == 1 ? (g ?? "1") : $"{g}{Dot}ones({TensorText.Shape(shapes[0])})/{shapes[0].Size}",
            _ => throw new InvalidOperationException($"no rule for {e.Op}"),
        };
    }

    // d(x0*x1*...)/dx_i is the product of the other operands; in tensor form numbers and one-element operands
    // scale the upstream gradient (3*g_J) and tensors multiply it elementwise (g_u (.) M).
    private static string Product(string[] x, int i, string? g, Shape[] shapes)
    {
        var others = Enumerable.Range(0, x.Length).Where(k => k != i).ToArray();
        if (g is null)
        {
            return string.Join(Dot, others.Select(k => x[k]));
        }
        string scale = string.Concat(others.Where(k => shapes[k].Size == 1).Select(k => x[k] + Dot));
        string[] tensors = others.Where(k => shapes[k].Size != 1).Select(k => x[k]).ToArray();
        return scale + string.Join(Odot, [g, .. tensors]);
    }

    // d(x^p)/dx = p*x^(p-1), written without the exponent 1 or the factor x^0.
    private static string PowerRule(string x, double p) => (p - 1) switch
    {
        0 => TensorText.Number(p),
        1 => $"{TensorText.Number(p)}{Dot}{x}",
        double q => $"{TensorText.Number(p)}{Dot}{x}^{Signed(q)}",
    };

    /// <summary>A number as an operand: negative numbers in parentheses, (-2).</summary>
    public static string Signed(double value) => value < 0 ? $"({TensorText.Number(value)})" : TensorText.Number(value);
}

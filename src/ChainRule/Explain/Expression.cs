namespace ChainRule.Explain;

/// <summary>
/// A parsed expression: numbers, names, <c>+ - * / ^</c>, unary minus, <c>@</c> (matrix product), parentheses and the
/// functions exp, log, sqrt, sin, cos, tanh, sigmoid, relu, sum and mean (sum and mean over all elements).
/// Statements separated by ';' may name sub-expressions, as in a derivation on paper:
/// <c>u = a*b*c; V = a + u; J = 3*V</c>. The last statement is the output, called J unless it is named.
/// </summary>
/// <remarks>
/// Names without a definition are the inputs, which need values. Sub-expressions without names (a*b*c in
/// <c>3*(a + a*b*c)</c>) are computed as nodes of their own; <see cref="Explanation"/> names them. A sub-expression
/// with no inputs in it (<c>2^3</c>, <c>-1</c>) is folded into a number.
/// </remarks>
public sealed class Expression
{
    private Expression(string text, Expr root, string? outputName, Dictionary<Expr, string> names, List<string> inputs)
    {
        Text = text;
        Root = root;
        OutputName = outputName;
        Names = names;
        Inputs = inputs;
    }

    /// <summary>The functions the language knows, each of one argument.</summary>
    public static IReadOnlyList<string> Functions => Parser.Functions;

    public string Text { get; }

    /// <summary>The name the last statement gives the output, or null when it gives none.</summary>
    public string? OutputName { get; }

    /// <summary>The names that need values, in order of first use.</summary>
    public IReadOnlyList<string> Inputs { get; }

    internal Expr Root { get; }

    // The sub-expressions the user named with "name = ...", by reference.
    internal IReadOnlyDictionary<Expr, string> Names { get; }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="ExpressionException">The text is malformed; the message gives the column.</exception>
    public static Expression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ExpressionException("expression", 1, "the expression is empty");
        }
        List<Parser.Statement> statements = Parser.Parse(text);
        var definitions = new Dictionary<string, (Expr Value, int Column)>(StringComparer.Ordinal);
        var firstUse = new Dictionary<string, int>(StringComparer.Ordinal); // undefined names, i.e. inputs
        var names = new Dictionary<Expr, string>(ReferenceEqualityComparer.Instance);
        var folded = new Dictionary<Expr, Expr>(ReferenceEqualityComparer.Instance);
        Expr root = null!;
        for (int i = 0; i < statements.Count; i++)
        {
            Parser.Statement s = statements[i];
            bool last = i == statements.Count - 1;
            if (s.Name is null && !last)
            {
                throw new ExpressionException("expression", s.Column, "only the last statement may be left unnamed (write name = ...)");
            }
            Expr value = Fold(Resolve(s.Value, definitions, firstUse), folded);
            if (s.Name is string name)
            {
                Define(name, s, value, definitions, firstUse);
                if (value is OperationExpr && !names.ContainsKey(value))
                {
                    names[value] = name;
                }
            }
            root = value;
        }
        var used = new HashSet<Expr>(Traversal.PostOrder(root, Traversal.Operands), ReferenceEqualityComparer.Instance);
        foreach ((string name, (Expr value, int column)) in definitions)
        {
            if (!used.Contains(value))
            {
                throw new ExpressionException("expression", column, $"'{name}' is defined but the output does not use it");
            }
        }
        if (root is not OperationExpr)
        {
            throw new ExpressionException("expression", statements[^1].Column, root is NameExpr n
                ? $"the output is the input '{n.Name}' itself: there is nothing to differentiate"
                : "the expression has no names in it: there is nothing to differentiate");
        }
        string? outputName = statements[^1].Name ?? names.GetValueOrDefault(root);
        return new Expression(text, root, outputName, names, [.. firstUse.OrderBy(use => use.Value).Select(use => use.Key)]);
    }

    /// <summary>
    /// The value of the expression for the given input values, computed without recording a graph (a whole
    /// tensor at once: <c>sin(3*x)</c> for x of shape (1000, 1) gives 1000 values).
    /// </summary>
    /// <exception cref="ArgumentException">A value is missing, or the shapes do not fit; the message gives the column.</exception>
    public Tensor Evaluate(IReadOnlyDictionary<string, Tensor> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        using Autograd.Scope noGrad = Autograd.NoGrad();
        var memo = new Dictionary<Expr, Variable>(ReferenceEqualityComparer.Instance);
        return Evaluate(Root, memo, name => values.TryGetValue(name, out Tensor? t) ? t : null).Data;
    }

    internal static Variable Evaluate(Expr e, Dictionary<Expr, Variable> memo, Func<string, Tensor?> value)
    {
        foreach (Expr x in Traversal.PostOrder(e, Traversal.Operands, memo.ContainsKey))
        {
            memo[x] = x switch
            {
                NumberExpr n => new Variable(Tensor.Scalar(n.Value, DType.Float64), requiresGrad: false),
                NameExpr n => new Variable(value(n.Name) ?? throw MissingValue(n), requiresGrad: false),
                OperationExpr op => Operations.Apply(op, op.Operands.Select(o => memo[o]).ToArray()),
                _ => throw new InvalidOperationException($"unknown expression node {x}"),
            };
        }
        return memo[e];
    }

    internal static ExpressionException MissingValue(NameExpr n) =>
        new("expression", n.Column, $"no value for '{n.Name}' (give it as {n.Name}=VALUE)");

    // Replaces each use of a defined name by its definition (so a name used twice is one shared node) and records
    // the first use of every other name. e is one statement's parse tree, whose nodes are all its own.
    private static Expr Resolve(Expr e, Dictionary<string, (Expr Value, int Column)> definitions, Dictionary<string, int> firstUse)
    {
        var resolved = new Dictionary<Expr, Expr>(ReferenceEqualityComparer.Instance);
        foreach (Expr x in Traversal.PostOrder(e, Traversal.Operands))
        {
            resolved[x] = x switch
            {
                NameExpr n when definitions.TryGetValue(n.Name, out var d) => d.Value,
                NameExpr n => Record(n, firstUse),
                OperationExpr op => op with { Operands = op.Operands.Select(o => resolved[o]).ToArray() },
                _ => x,
            };
        }
        return resolved[e];
    }

    private static NameExpr Record(NameExpr n, Dictionary<string, int> firstUse)
    {
        firstUse.TryAdd(n.Name, n.Column);
        return n;
    }

    private static void Define(string name, Parser.Statement s, Expr value, Dictionary<string, (Expr, int)> definitions, Dictionary<string, int> firstUse)
    {
        if (definitions.ContainsKey(name))
        {
            throw new ExpressionException("expression", s.Column, $"'{name}' is defined twice");
        }
        if (firstUse.TryGetValue(name, out int use))
        {
            throw new ExpressionException("expression", s.Column, $"'{name}' is used at column {use} before this definition; define names before using them");
        }
        if (value is NameExpr other)
        {
            throw new ExpressionException("expression", s.Column, $"'{name} = {other.Name}' only renames '{other.Name}'; use '{other.Name}' itself");
        }
        definitions[name] = (value, s.Column);
    }

    // A sub-expression without names is computed once and becomes a number.
    private static Expr Fold(Expr e, Dictionary<Expr, Expr> folded)
    {
        foreach (Expr x in Traversal.PostOrder(e, Traversal.Operands, folded.ContainsKey))
        {
            if (x is not OperationExpr op)
            {
                continue;
            }
            Expr[] operands = op.Operands.Select(o => folded.GetValueOrDefault(o, o)).ToArray();
            Expr result;
            if (operands.All(o => o is NumberExpr))
            {
                Variable[] numbers = operands.Select(o => new Variable(Tensor.Scalar(((NumberExpr)o).Value, DType.Float64), requiresGrad: false)).ToArray();
                result = new NumberExpr(Operations.Apply(op, numbers).Item(), op.Column);
            }
            else
            {
                // NOTE: keep the object when nothing changed: a definition used twice must stay one shared node.
                result = operands.SequenceEqual(op.Operands, ReferenceEqualityComparer.Instance) ? op : op with { Operands = operands };
            }
            folded[x] = result;
            folded[result] = result;
        }
        return folded.GetValueOrDefault(e, e);
    }
}

namespace ChainRule.Explain;

/// <summary>
/// Backpropagation written out for one expression and its input values (MISSION 1.1, 2.1, 2.2): the forward pass
/// node by node, then, for every input, the chain rule as a sum over the paths from the output to that input.
/// </summary>
/// <remarks>
/// <para>Nodes: a chain of one associative operator (a*b*c, a+b+c) is one node; the output is called J unless the
/// expression names it; unnamed intermediate nodes are named breadth-first from the output, operands left to right,
/// with the first free name of V, u, w, p, q, r, s, t, v1, v2, ... So <c>3*(a + a*b*c)</c> gives the notes' names:
/// J = 3*V, V = a + u, u = a*b*c. Numbers stay numbers.</para>
/// <para>Derivatives: every local derivative is computed by autograd on its node alone (<see cref="Node.Vjp"/>), never
/// by a symbolic differentiator. When every value is one number, a path contributes the product of its local
/// derivatives (3*1*6); otherwise the explanation follows the vector-Jacobian products that backward computes along
/// the path, each shaped like its node (g_x = g_u @ y^T). The sum over paths is checked against the gradient that
/// <c>Backward</c> accumulates on the same graph (<see cref="InputGradient.Autograd"/>).</para>
/// <para>All values are float64.</para>
/// </remarks>
public sealed class Explanation
{
    /// <summary>Inputs reached by more paths than this are summarised, not written out.</summary>
    public const int MaxPaths = 32;

    private static readonly string[] s_autoNames = ["V", "u", "w", "p", "q", "r", "s", "t"];

    private Explanation(Node output, List<Node> nodes, List<InputGradient> gradients)
    {
        OutputNode = output;
        Nodes = nodes;
        Gradients = gradients;
        Lines = ExplanationText.Write(this);
    }

    /// <summary>
    /// The output Variable of the library graph behind the explanation, named like the explanation's nodes, with the
    /// graph retained and every gradient kept (draw it with <see cref="Graph.ToDot"/>).
    /// </summary>
    public Variable Output => OutputNode.Value;

    public string OutputName => OutputNode.Name;

    /// <summary>One entry per input, in order of first use.</summary>
    public IReadOnlyList<InputGradient> Gradients { get; }

    /// <summary>The explanation as text, one line each.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>True when every value is a single number: derivatives are then written dJ/dV and multiplied.</summary>
    public bool IsScalar => Nodes.All(n => n.Value.Size == 1);

    internal Node OutputNode { get; }

    // Inputs in order of first use, then the operations in the order the forward pass computes them.
    internal IReadOnlyList<Node> Nodes { get; }

    /// <summary>Parses <paramref name="expression"/> and explains it for the given input values.</summary>
    /// <exception cref="ArgumentException">The expression is malformed, a value is missing or unused, shapes do not fit, or the output is not one number.</exception>
    public static Explanation Create(string expression, IReadOnlyDictionary<string, Tensor> values) => Create(Expression.Parse(expression), values);

    /// <inheritdoc cref="Create(string, IReadOnlyDictionary{string, Tensor})"/>
    public static Explanation Create(Expression expression, IReadOnlyDictionary<string, Tensor> values)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(values);
        foreach (string name in values.Keys.Where(name => !expression.Inputs.Contains(name)))
        {
            throw new ArgumentException(expression.Names.Values.Contains(name)
                ? $"'{name}' is defined by the expression, so it takes no value"
                : $"a value is given for '{name}', which the expression does not use");
        }
        var inputs = new Dictionary<string, Node>(StringComparer.Ordinal);
        var memo = new Dictionary<Expr, Node>(ReferenceEqualityComparer.Instance);
        Node output = Build(expression.Root, memo, inputs, values);
        if (output.Value.Size != 1)
        {
            throw new ArgumentException(
                $"the output has shape {output.Value.Shape}, but the chain rule here starts from one number; wrap the expression in sum(...) or mean(...)");
        }
        AssignNames(output, expression);

        var nodes = new List<Node>(expression.Inputs.Select(name => inputs[name]));
        nodes.AddRange(Traversal.PostOrder(output, n => n.Operands).Where(n => n.Operation is not null));
        RetainEveryGradient(output.Value);
        output.Value.Backward(retainGraph: true);
        bool scalar = nodes.All(n => n.Value.Size == 1);
        var gradients = nodes.Where(n => n.IsInput).Select(input => Explain(output, input, scalar)).ToList();
        return new Explanation(output, nodes, gradients);
    }

    private static Node Build(Expr e, Dictionary<Expr, Node> memo, Dictionary<string, Node> inputs, IReadOnlyDictionary<string, Tensor> values)
    {
        foreach (Expr x in Traversal.PostOrder(e, Traversal.Operands, memo.ContainsKey))
        {
            memo[x] = x switch
            {
                NumberExpr n => Node.Constant(n.Value),
                NameExpr n when inputs.TryGetValue(n.Name, out Node? input) => input,
                NameExpr n => inputs[n.Name] = Node.Input(n.Name, values.TryGetValue(n.Name, out Tensor? t) ? t : throw Expression.MissingValue(n)),
                OperationExpr op => Node.Compute(op, op.Operands.Select(o => memo[o]).ToArray()),
                _ => throw new InvalidOperationException($"unknown expression node {x}"),
            };
        }
        return memo[e];
    }

    // The output is J unless named; the user's names stay; the rest are named breadth-first from the output.
    private static void AssignNames(Node output, Expression expression)
    {
        var taken = new HashSet<string>(expression.Inputs.Concat(expression.Names.Values), StringComparer.Ordinal);
        IEnumerable<string> candidates = s_autoNames.Concat(Enumerable.Range(1, int.MaxValue - 1).Select(k => $"v{k}"));
        using IEnumerator<string> free = candidates.Where(name => !taken.Contains(name)).GetEnumerator();
        string Next()
        {
            free.MoveNext();
            return free.Current;
        }

        output.Name = expression.OutputName ?? (taken.Contains("J") ? Next() : "J");
        taken.Add(output.Name);
        var queue = new Queue<Node>([output]);
        var seen = new HashSet<Node> { output };
        while (queue.Count > 0)
        {
            foreach (Node x in queue.Dequeue().Operands.Where(x => x.Operation is not null && seen.Add(x)))
            {
                x.Name = expression.Names.TryGetValue(x.Operation!, out string? name) ? name : Next();
                queue.Enqueue(x);
            }
        }
        foreach (Node n in seen)
        {
            n.Value.Name = n.Name;
        }
    }

    // Keeps the gradient of every intermediate Variable of the library graph, for the picture.
    private static void RetainEveryGradient(Variable output)
    {
        var stack = new Stack<Variable>([output]);
        var seen = new HashSet<Variable>(ReferenceEqualityComparer.Instance);
        while (stack.Count > 0)
        {
            Variable v = stack.Pop();
            if (v.Creator is Function f && seen.Add(v))
            {
                v.RetainGrad();
                foreach (Variable x in f.Inputs)
                {
                    stack.Push(x);
                }
            }
        }
    }

    private static InputGradient Explain(Node output, Node input, bool scalar)
    {
        var reaches = new Dictionary<Node, long>(); // the number of paths from a node down to the input
        long count = CountPaths(output, input, reaches);
        Tensor autograd = input.Value.Grad?.Data ?? Tensor.ZerosLike(input.Value.Data); // null: no gradient reached it (a^0)
        if (count > MaxPaths)
        {
            return new InputGradient(input.Name, count, [], null, autograd);
        }
        var paths = new List<GradientPath>();
        Tensor seed = Tensor.OnesLike(output.Value.Data);
        Walk(output, input, seed, scalar, reaches, paths);
        Tensor sum = paths.Select(p => p.Contribution).Aggregate((x, y) => x + y);
        return new InputGradient(input.Name, count, paths, sum, autograd);
    }

    // The number of paths from each node down to the input, operands first; it saturates, so a deep DAG cannot overflow it.
    private static long CountPaths(Node output, Node input, Dictionary<Node, long> reaches)
    {
        foreach (Node node in Traversal.PostOrder(output, n => n.Operands))
        {
            long count = node == input ? 1 : 0;
            foreach (Node x in node.Operands)
            {
                count = Math.Min(count + reaches[x], long.MaxValue / 2);
            }
            reaches[node] = count;
        }
        return reaches[output];
    }

    // Depth first along every path from the output to the input, with a stack of its own (a path can be 100,000 steps
    // long) and one list of the steps so far, copied only when a path is complete. In scalar form a step holds the
    // local derivative and a path contributes the product of its steps; in tensor form a step holds the
    // vector-Jacobian product g of its operand along this path, and a path contributes its last g.
    private static void Walk(Node output, Node input, Tensor seed, bool scalar, Dictionary<Node, long> reaches, List<GradientPath> paths)
    {
        var steps = new List<PathStep>(); // from the output to the node on top of the stack
        var stack = new Stack<(Node Node, Tensor G, int Next)>([(output, seed, 0)]);
        while (stack.Count > 0)
        {
            (Node node, Tensor g, int i) = stack.Pop();
            if (i == node.Operands.Length)
            {
                if (steps.Count > 0)
                {
                    steps.RemoveAt(steps.Count - 1); // back to the node that led here
                }
                continue;
            }
            stack.Push((node, g, i + 1));
            Node x = node.Operands[i];
            if (reaches[x] == 0)
            {
                continue;
            }
            Tensor value = node.Vjp(i, scalar ? Tensor.OnesLike(node.Value.Data) : g);
            var step = new PathStep(node.Name, node.OperandLabel(i), Rule(node, i, scalar), value);
            if (x == input)
            {
                List<PathStep> path = [.. steps, step];
                Tensor contribution = scalar ? path.Select(s => s.Value).Aggregate((p, q) => p * q) : value;
                paths.Add(new GradientPath(path, contribution));
            }
            else
            {
                steps.Add(step);
                stack.Push((x, value, 0));
            }
        }
    }

    private static string Rule(Node node, int i, bool scalar)
    {
        string[] labels = node.Operands.Select(x => x.Name).ToArray();
        Shape[] shapes = node.Operands.Select(x => x.Value.Shape).ToArray();
        return Operations.Rule(node.Operation!, i, labels, node.Name, scalar ? null : $"g_{node.Name}", shapes, node.Value.Shape);
    }
}

/// <summary>One step of a path, from a node to one of its operands.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Operand">The operand's name ("a(2)" for the second use of a in the same node).</param>
/// <param name="Rule">How the derivative reads: "b*c" (scalar form) or "g_u @ y^T" (tensor form).</param>
/// <param name="Value">Scalar form: the local derivative dNode/dOperand. Tensor form: the operand's gradient along this path.</param>
public sealed record PathStep(string Node, string Operand, string Rule, Tensor Value);

/// <summary>One path from the output to an input, and what it contributes to the input's gradient.</summary>
public sealed record GradientPath(IReadOnlyList<PathStep> Steps, Tensor Contribution);

/// <summary>The chain rule for one input: its paths, their sum, and the gradient that Backward accumulated.</summary>
/// <param name="PathSum">The sum of the paths' contributions; null when there are more than <see cref="Explanation.MaxPaths"/> paths.</param>
public sealed record InputGradient(string Input, long PathCount, IReadOnlyList<GradientPath> Paths, Tensor? PathSum, Tensor Autograd);

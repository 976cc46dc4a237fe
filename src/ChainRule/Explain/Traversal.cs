namespace ChainRule.Explain;

// Walks over expression graphs without recursion: names make a graph as deep as the statements are many
// (a1 = x*2; a2 = a1*2; ... 100,000 times), which a recursive walk would pay for with the thread's stack.
internal static class Traversal
{
    /// <summary>
    /// Every node reachable from <paramref name="root"/>, each once (by reference), operands before the node that uses
    /// them and left before right: the order a recursive evaluation would finish them. Nodes for which
    /// <paramref name="done"/> is true are neither listed nor entered (what an earlier walk already handled).
    /// </summary>
    public static List<T> PostOrder<T>(T root, Func<T, IReadOnlyList<T>> operands, Func<T, bool>? done = null)
        where T : class
    {
        var order = new List<T>();
        var seen = new HashSet<T>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(T Node, int Next)>();
        if (done?.Invoke(root) != true && seen.Add(root))
        {
            stack.Push((root, 0));
        }
        while (stack.Count > 0)
        {
            (T node, int next) = stack.Pop();
            IReadOnlyList<T> xs = operands(node);
            if (next == xs.Count)
            {
                order.Add(node);
                continue;
            }
            stack.Push((node, next + 1));
            T x = xs[next];
            if (done?.Invoke(x) != true && seen.Add(x))
            {
                stack.Push((x, 0));
            }
        }
        return order;
    }

    /// <summary>The operands of an expression node (none for numbers and names).</summary>
    public static IReadOnlyList<Expr> Operands(Expr e) => e is OperationExpr op ? op.Operands : [];
}

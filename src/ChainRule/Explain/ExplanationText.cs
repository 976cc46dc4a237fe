namespace ChainRule.Explain;

// The printed form of an Explanation. For MISSION 1.1 (3*(a + a*b*c), a=5, b=3, c=2) the chain rule reads
//   dJ/da = dJ/dV*dV/da + dJ/dV*dV/du*du/da = 3*1 + 3*1*6 = 21     (printed with a middle dot, U+00B7, for *)
// and for tensors each path lists the vector-Jacobian products backward computes, g_x = g_u @ y^T = [[1, 1], ...].
internal static class ExplanationText
{
    private const string Dot = "\u00B7";
    private const string Arrow = " \u2192 ";

    public static List<string> Write(Explanation e)
    {
        var lines = new List<string>();
        WriteForward(e, lines);
        lines.Add("");
        if (e.IsScalar)
        {
            WriteLocalDerivatives(e, lines);
            lines.Add("");
            WriteScalarPaths(e, lines);
        }
        else
        {
            WriteTensorPaths(e, lines);
        }
        lines.Add("");
        WriteCheck(e, lines);
        return lines;
    }

    private static void WriteForward(Explanation e, List<string> lines)
    {
        lines.Add("Forward pass (one line per node: name, Function, value):");
        int nameWidth = e.Nodes.Max(n => n.Name.Length);
        int opWidth = e.Nodes.Max(n => n.Operation is null ? "input".Length : Operations.Name(n.Operation.Op).Length);
        foreach (Node n in e.Nodes)
        {
            string value = TensorText.Compact(n.Value.Data);
            if (n.Operation is null)
            {
                lines.Add($"  {n.Name.PadRight(nameWidth)}  {"input".PadRight(opWidth)}  {value}");
                continue;
            }
            string[] labels = n.Operands.Select(x => x.Name).ToArray();
            bool tensorProduct = n.Operands.Count(x => x.Value.Size != 1) >= 2;
            string formula = Operations.Formula(n.Operation.Op, labels, tensorProduct);
            lines.Add($"  {n.Name.PadRight(nameWidth)}  {Operations.Name(n.Operation.Op).PadRight(opWidth)}  {formula} = {value}");
        }
    }

    // Each local derivative once, in the order the paths first meet it.
    private static void WriteLocalDerivatives(Explanation e, List<string> lines)
    {
        lines.Add("Local derivatives (autograd on each node alone, its operands as separate leaves):");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (PathStep step in e.Gradients.SelectMany(g => g.Paths).SelectMany(p => p.Steps))
        {
            string name = Derivative(step);
            if (seen.Add(name))
            {
                lines.Add("  " + Equation(name, step.Rule, TensorText.Number(step.Value.Item())));
            }
        }
    }

    private static void WriteScalarPaths(Explanation e, List<string> lines)
    {
        lines.Add($"Chain rule (the sum over the paths from {e.OutputName} to each input):");
        foreach (InputGradient g in e.Gradients)
        {
            string name = $"d{e.OutputName}/d{g.Input}";
            if (g.PathSum is null)
            {
                lines.Add($"  {name}: {g.PathCount} paths, too many to write out; Backward gives {name} = {TensorText.Compact(g.Autograd)}");
                continue;
            }
            string symbols = string.Join(" + ", g.Paths.Select(p => string.Join(Dot, p.Steps.Select(Derivative))));
            // Negative factors in parentheses, 3*(-2), except for a lone number.
            bool lone = g.Paths.Count == 1 && g.Paths[0].Steps.Count == 1;
            Func<double, string> factor = lone ? TensorText.Number : Operations.Signed;
            string numbers = string.Join(" + ", g.Paths.Select(p => string.Join(Dot, p.Steps.Select(s => factor(s.Value.Item())))));
            lines.Add("  " + Equation(name, symbols, numbers, TensorText.Number(g.PathSum.Item())));
        }
    }

    private static void WriteTensorPaths(Explanation e, List<string> lines)
    {
        string o = e.OutputName;
        lines.Add($"Chain rule, path by path: g_n is d{o}/dn along the path, shaped like n; each step is the vector-Jacobian product");
        lines.Add($"that Backward computes, starting from g_{o} = 1.");
        foreach (InputGradient g in e.Gradients)
        {
            string name = $"d{o}/d{g.Input}";
            if (g.PathSum is null)
            {
                lines.Add($"  {name}: {g.PathCount} paths, too many to write out; Backward gives {name} = {TensorText.Compact(g.Autograd)}");
                continue;
            }
            lines.Add($"  {name} ({g.PathCount} path{(g.PathCount == 1 ? "" : "s")}):");
            for (int k = 0; k < g.Paths.Count; k++)
            {
                GradientPath path = g.Paths[k];
                string route = string.Join(Arrow, [o, .. path.Steps.Select(s => s.Operand)]);
                lines.Add(g.Paths.Count == 1 ? $"    {route}" : $"    path {k + 1}: {route}");
                foreach (PathStep step in path.Steps)
                {
                    lines.Add("      " + Equation($"g_{step.Operand}", step.Rule, TensorText.Compact(step.Value)));
                }
            }
            string total = TensorText.Compact(g.PathSum);
            lines.Add(g.Paths.Count == 1
                ? $"    {name} = {total}"
                : $"    {name} = {string.Join(" + ", g.Paths.Select(p => TensorText.Compact(p.Contribution)))} = {total}");
        }
    }

    private static void WriteCheck(Explanation e, List<string> lines)
    {
        var checkedGradients = e.Gradients.Where(g => g.PathSum is not null).ToList();
        double difference = checkedGradients.Select(g => Tensor.Abs(g.PathSum! - g.Autograd).ToDoubleArray().Max()).DefaultIfEmpty(0).Max();
        double scale = 1 + checkedGradients.Select(g => Tensor.Abs(g.Autograd).ToDoubleArray().Max()).DefaultIfEmpty(0).Max();
        string call = $"{e.OutputName}.Backward()";
        if (difference > 1e-9 * scale)
        {
            lines.Add($"{call} accumulates DIFFERENT gradients: the largest difference from the path sums is {TensorText.Number(difference)}.");
        }
        else if (e.IsScalar)
        {
            lines.Add($"{call} accumulates the same gradients: {string.Join(", ", e.Gradients.Select(g => $"{g.Input}.Grad = {TensorText.Number(g.Autograd.Item())}"))}");
        }
        else
        {
            lines.Add($"{call} accumulates the same gradients (largest difference from the path sums: {TensorText.Number(difference)}).");
        }
    }

    private static string Derivative(PathStep step) => $"d{step.Node}/d{step.Operand}";

    // "lhs = a = b = c", leaving out a side that repeats the one before it (dJ/dV = 3, not dJ/dV = 3 = 3).
    private static string Equation(string left, params string[] sides)
    {
        var parts = new List<string> { left };
        foreach (string side in sides)
        {
            if (side != parts[^1])
            {
                parts.Add(side);
            }
        }
        return string.Join(" = ", parts);
    }
}

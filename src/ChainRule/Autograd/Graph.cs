using System.Text;

namespace ChainRule;

/// <summary>
/// Pictures of a computational graph as text: Graphviz DOT (render it with <c>dot -Tsvg</c>) and Mermaid (GitHub and
/// most Markdown viewers draw it). Every Variable and Function reachable from the output is a node, and the edges
/// follow the data: input Variable to Function to output Variable.
/// </summary>
/// <remarks>
/// A Variable's node shows its name (when it has one), its value and, when it holds one, its gradient; tensors of
/// more than a few elements are summarised as shape, min, max and mean, so a whole network's loss stays readable.
/// Variables that need no gradient (constants, data) are drawn dashed; Functions show their op name.
/// Call these before Backward, or after <c>Backward(retainGraph: true)</c>: a backward pass that does not retain the
/// graph releases it. Gradients of intermediate Variables appear only if they were kept with
/// <see cref="Variable.RetainGrad"/>.
/// </remarks>
public static class Graph
{
    // Tensors up to this many elements are written out in full in a node's label.
    private const int LabelElements = 6;

    /// <summary>The graph behind <paramref name="output"/> in Graphviz DOT, laid out left to right.</summary>
    /// <exception cref="InvalidOperationException">A backward pass has released part of the graph.</exception>
    public static string ToDot(Variable output, string? title = null)
    {
        Nodes nodes = Collect(output);
        var dot = new StringBuilder();
        dot.AppendLine("digraph computational_graph {");
        dot.AppendLine("  rankdir=LR;");
        dot.AppendLine("  graph [fontname=\"Helvetica\"];");
        dot.AppendLine("  node [fontname=\"Helvetica\", fontsize=11];");
        if (title is not null)
        {
            dot.AppendLine($"  label=\"{DotEscape(title)}\";");
            dot.AppendLine("  labelloc=t;");
        }
        for (int i = 0; i < nodes.Variables.Count; i++)
        {
            Variable v = nodes.Variables[i];
            string style = v.RequiresGrad ? "filled" : "\"filled,dashed\"";
            string fill = v.RequiresGrad ? "#fde2b8" : "#eeeeee";
            dot.AppendLine($"  v{i} [label=\"{DotEscape(Label(v))}\", shape=ellipse, style={style}, fillcolor=\"{fill}\"];");
        }
        for (int i = 0; i < nodes.Functions.Count; i++)
        {
            dot.AppendLine($"  f{i} [label=\"{DotEscape(nodes.Functions[i].Name)}\", shape=box, style=filled, fillcolor=\"#cfe3f7\"];");
        }
        foreach ((string from, string to) in nodes.Edges())
        {
            dot.AppendLine($"  {from} -> {to};");
        }
        dot.AppendLine("}");
        return dot.ToString();
    }

    /// <summary>The graph behind <paramref name="output"/> as a Mermaid flowchart, laid out left to right.</summary>
    /// <exception cref="InvalidOperationException">A backward pass has released part of the graph.</exception>
    public static string ToMermaid(Variable output)
    {
        Nodes nodes = Collect(output);
        var mermaid = new StringBuilder();
        mermaid.AppendLine("flowchart LR");
        for (int i = 0; i < nodes.Variables.Count; i++)
        {
            Variable v = nodes.Variables[i];
            mermaid.AppendLine($"  v{i}([\"{MermaidEscape(Label(v))}\"]):::{(v.RequiresGrad ? "variable" : "constant")}");
        }
        for (int i = 0; i < nodes.Functions.Count; i++)
        {
            mermaid.AppendLine($"  f{i}[\"{MermaidEscape(nodes.Functions[i].Name)}\"]:::function");
        }
        foreach ((string from, string to) in nodes.Edges())
        {
            mermaid.AppendLine($"  {from} --> {to}");
        }
        mermaid.AppendLine("  classDef variable fill:#fde2b8,stroke:#333");
        mermaid.AppendLine("  classDef constant fill:#eeeeee,stroke:#333,stroke-dasharray:4 3");
        mermaid.AppendLine("  classDef function fill:#cfe3f7,stroke:#333");
        return mermaid.ToString();
    }

    private static string Label(Variable v)
    {
        var lines = new List<string>();
        if (!string.IsNullOrEmpty(v.Name))
        {
            lines.Add(v.Name);
        }
        lines.Add(TensorText.Compact(v.Data, LabelElements));
        if (v.Grad is not null)
        {
            lines.Add("grad " + TensorText.Compact(v.Grad.Data, LabelElements));
        }
        return string.Join("\n", lines);
    }

    // Inside a DOT string: backslash and quote escaped, a newline becomes the centred-line escape \n.
    private static string DotEscape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    // Inside a quoted Mermaid label: entity codes for the characters Mermaid or HTML would interpret ('#' first).
    private static string MermaidEscape(string text) =>
        text.Replace("#", "#35;", StringComparison.Ordinal).Replace("\"", "#quot;", StringComparison.Ordinal)
            .Replace("<", "#lt;", StringComparison.Ordinal).Replace(">", "#gt;", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal).Replace("\n", "<br/>", StringComparison.Ordinal);

    // Every Variable and Function reachable from the output, depth first, each once (a graph may share nodes).
    private static Nodes Collect(Variable output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var nodes = new Nodes();
        nodes.Add(output);
        var stack = new Stack<Function>();
        if (output.Creator is Function top)
        {
            nodes.Add(top);
            stack.Push(top);
        }
        while (stack.Count > 0)
        {
            Function f = stack.Pop();
            if (f.IsReleased)
            {
                throw new InvalidOperationException(
                    $"Graph: a backward pass has released the graph at {f.Name}; draw it before Backward, or call Backward(retainGraph: true).");
            }
            foreach (Variable x in f.Inputs)
            {
                nodes.Add(x);
                if (x.Creator is Function g && nodes.Add(g))
                {
                    stack.Push(g);
                }
            }
        }
        return nodes;
    }

    private sealed class Nodes
    {
        private readonly Dictionary<Variable, int> _variableIds = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<Function, int> _functionIds = new(ReferenceEqualityComparer.Instance);

        public List<Variable> Variables { get; } = [];

        public List<Function> Functions { get; } = [];

        public void Add(Variable v)
        {
            if (_variableIds.TryAdd(v, Variables.Count))
            {
                Variables.Add(v);
            }
        }

        public bool Add(Function f)
        {
            if (!_functionIds.TryAdd(f, Functions.Count))
            {
                return false;
            }
            Functions.Add(f);
            return true;
        }

        // Data-flow edges: each input into its Function, each Function into its output.
        public List<(string From, string To)> Edges()
        {
            var edges = new List<(string, string)>();
            for (int i = 0; i < Functions.Count; i++)
            {
                foreach (Variable x in Functions[i].Inputs)
                {
                    edges.Add(($"v{_variableIds[x]}", $"f{i}"));
                }
                edges.Add(($"f{i}", $"v{_variableIds[Functions[i].Output]}"));
            }
            return edges;
        }
    }
}

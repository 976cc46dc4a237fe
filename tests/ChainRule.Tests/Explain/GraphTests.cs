using System.Text.RegularExpressions;
using ChainRule.NN;
using ChainRule.Training;

namespace ChainRule.Tests.Explain;

public partial class GraphTests
{
    [Fact]
    public void ToDot_has_a_node_per_Variable_and_Function_and_edges_in_data_flow_order()
    {
        var a = new Variable(Tensor.Scalar(2.0, DType.Float64), name: "a");
        var b = new Variable(Tensor.Scalar(3.0, DType.Float64), name: "b");
        Variable y = (a * b) + a; // a used twice
        y.Name = "y";

        string dot = Graph.ToDot(y);

        Assert.StartsWith("digraph computational_graph {", dot, StringComparison.Ordinal);
        Assert.Equal(4, VariableNodes().Matches(dot).Count);   // y, a*b, a, b
        Assert.Equal(2, FunctionNodes().Matches(dot).Count);   // Add, Multiply
        Assert.Equal(6, Edges().Matches(dot).Count);           // a, b -> Multiply -> ab; ab, a -> Add -> y
        Assert.Contains("label=\"Multiply\"", dot, StringComparison.Ordinal);
        Assert.Contains("label=\"y\\n8\"", dot, StringComparison.Ordinal);
        string add = Id(dot, "Add"), multiply = Id(dot, "Multiply"), aId = Id(dot, "a\\n2");
        Assert.Contains($"{aId} -> {multiply};", dot, StringComparison.Ordinal);
        Assert.Contains($"{aId} -> {add};", dot, StringComparison.Ordinal);
        Assert.Contains($"{add} -> {Id(dot, "y\\n8")};", dot, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDot_shows_gradients_kept_by_a_retained_backward_pass()
    {
        var a = new Variable(Tensor.Scalar(2.0, DType.Float64), name: "a");
        Variable y = 3 * a;
        y.Backward(retainGraph: true);

        string dot = Graph.ToDot(y);

        Assert.Contains("label=\"a\\n2\\ngrad 3\"", dot, StringComparison.Ordinal);
        Assert.Contains("style=\"filled,dashed\"", dot, StringComparison.Ordinal); // the constant 3
    }

    [Fact]
    public void Labels_are_escaped()
    {
        var x = new Variable(Tensor.Scalar(1.0), name: "say \"hi\" \\ <b>#1\nnext");
        Variable y = F.Exp(x);

        string dot = Graph.ToDot(y, title: "a \"title\"");
        string mermaid = Graph.ToMermaid(y);

        Assert.Contains("label=\"say \\\"hi\\\" \\\\ <b>#1\\nnext\\n1\"", dot, StringComparison.Ordinal);
        Assert.Contains("label=\"a \\\"title\\\"\";", dot, StringComparison.Ordinal);
        Assert.Contains("([\"say #quot;hi#quot; \\ #lt;b#gt;#35;1<br/>next<br/>1\"])", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void ToMermaid_is_a_flowchart_with_the_same_nodes_and_edges()
    {
        var a = new Variable(Tensor.Scalar(2.0), name: "a");
        Variable y = (a * a) + 1;

        string mermaid = Graph.ToMermaid(y);

        Assert.StartsWith("flowchart LR\n", mermaid.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(4, Regex.Matches(mermaid, @"^  v\d+\(\[", RegexOptions.Multiline).Count); // y, a*a, a, 1
        Assert.Equal(2, Regex.Matches(mermaid, @"^  f\d+\[", RegexOptions.Multiline).Count);
        Assert.Equal(6, Regex.Matches(mermaid, @" --> ").Count);
        Assert.Contains(":::constant", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void A_whole_network_loss_is_drawn_with_summarised_tensors()
    {
        var network = Mlp.Create(new MlpConfig { Inputs = 20, Hidden = [16], Outputs = 3, Activation = "tanh" }, new Generator(7));
        Tensor x = Tensor.RandomNormal([8, 20], 0, 1, new Generator(8));
        Tensor labels = Tensor.FromArray([0L, 1, 2, 0, 1, 2, 0, 1], [8]);
        Variable loss = LossFunctions.Create("cross-entropy", classes: 3)(network.Forward(x), labels);
        loss.Backward(retainGraph: true);

        string dot = Graph.ToDot(loss);
        string mermaid = Graph.ToMermaid(loss);

        Assert.Equal(2, Regex.Matches(dot, "label=\"Linear\"").Count);
        Assert.Single(Regex.Matches(dot, "label=\"Tanh\""));
        Assert.Contains("label=\"weight\\n16x20, min ", dot, StringComparison.Ordinal);  // summarised, with its gradient
        Assert.Contains("\\ngrad 16x20, min ", dot, StringComparison.Ordinal);
        Assert.Equal(FunctionNodes().Matches(dot).Count, Regex.Matches(mermaid, @"^  f\d+\[", RegexOptions.Multiline).Count);
    }

    [Fact]
    public void A_graph_released_by_backward_is_refused_with_the_remedy()
    {
        var a = new Variable(Tensor.Scalar(2.0), name: "a");
        Variable y = F.Exp(a * a);
        y.Backward();

        var error = Assert.Throws<InvalidOperationException>(() => Graph.ToDot(y));

        Assert.Contains("retainGraph: true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_chain_is_drawn_without_recursion()
    {
        var x = new Variable(Tensor.Scalar(1.0), name: "x");
        Variable y = x;
        for (int i = 0; i < 20_000; i++)
        {
            y = y * 1.0;
        }

        string dot = Graph.ToDot(y);

        Assert.Equal(20_000, FunctionNodes().Matches(dot).Count);
    }

    private static string Id(string dot, string label) =>
        Regex.Match(dot, $@"^  (\w+) \[label=""{Regex.Escape(label)}", RegexOptions.Multiline).Groups[1].Value is { Length: > 0 } id
            ? id : throw new Xunit.Sdk.XunitException($"no node labelled {label} in\n{dot}");

    [GeneratedRegex(@"^  v\d+ \[label=", RegexOptions.Multiline)]
    private static partial Regex VariableNodes();

    [GeneratedRegex(@"^  f\d+ \[label=", RegexOptions.Multiline)]
    private static partial Regex FunctionNodes();

    [GeneratedRegex(@"^  \w+ -> \w+;", RegexOptions.Multiline)]
    private static partial Regex Edges();
}

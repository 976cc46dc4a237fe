using System.CommandLine;
using ChainRule.Explain;

namespace ChainRule.Cli.Commands;

/// <summary>
/// chainrule explain: backpropagation written out for an expression and its values (the library's Explanation), and
/// optionally a picture of the computational graph with every value and gradient.
/// </summary>
public static class ExplainCommand
{
    public static Command Create(ConsoleUi ui)
    {
        var expression = new Argument<string>("expression")
        {
            Description = "e.g. \"3*(a + a*b*c)\" or \"u = a*b*c; V = a + u; J = 3*V\": numbers, names, + - * / ^, unary -, @ (matrix product), "
                + "parentheses, and " + string.Join(", ", Expression.Functions),
        };
        var values = new Argument<string[]>("values") { Description = "a value for every name: a=5, x=[[1,1],[1,1],[1,1]]", Arity = ArgumentArity.ZeroOrMore };
        var graph = new Option<string?>("--graph") { Description = "also draw the computational graph, with values and gradients: out.svg or out.png (Graphviz's dot renders them) or out.dot" };
        var command = new Command("explain", "Write out backpropagation for an expression: the forward pass, then the chain rule as a sum over paths for every input.")
        {
            expression, values, graph,
        };
        command.SetAction(r => Run(ui, r.GetValue(expression)!, r.GetValue(values) ?? [], r.GetValue(graph)));
        return command;
    }

    private static int Run(ConsoleUi ui, string expression, string[] values, string? graph)
    {
        if (graph is not null)
        {
            GraphPicture.CheckPath(graph); // before the explanation is printed, not after it
        }
        Explanation explanation = Explanation.Create(expression, TensorLiteral.ParseAssignments(values));
        foreach (string line in explanation.Lines)
        {
            ui.Output.WriteLine(line);
        }
        if (graph is not null)
        {
            ui.Output.WriteLine();
            ui.Output.WriteLine(GraphPicture.Write(explanation.Output, graph, expression));
        }
        return 0;
    }
}

namespace ChainRule.Explain;

/// <summary>
/// A problem with an expression or a value, at a 1-based column of the text: "expression column 7: expected ')'".
/// An ArgumentException, so the command line reports it as one line.
/// </summary>
public sealed class ExpressionException(string where, int column, string problem) : ArgumentException($"{where} column {column}: {problem}")
{
    /// <summary>Where the problem is, counting the first character as column 1.</summary>
    public int Column { get; } = column;

    /// <summary>The problem without its location.</summary>
    public string Problem { get; } = problem;
}

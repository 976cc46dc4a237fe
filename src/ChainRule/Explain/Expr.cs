namespace ChainRule.Explain;

// The syntax tree of an expression. Column is where its token starts in the text (1-based): the number, the name,
// the operator or the function name, so an error while evaluating a node can point at it.

internal abstract record Expr(int Column);

internal sealed record NumberExpr(double Value, int Column) : Expr(Column);

internal sealed record NameExpr(string Name, int Column) : Expr(Column);

/// <summary>
/// An operation on operands. Add and Multiply are n-ary: a chain a*b*c written without parentheses is one node
/// (the notes' u = a*b*c); every other op has its fixed number of operands.
/// </summary>
internal sealed record OperationExpr(Op Op, Expr[] Operands, int Column) : Expr(Column);

internal enum Op
{
    Add,
    Subtract,
    Multiply,
    Divide,
    MatMul,
    Power,
    Negate,
    Exp,
    Log,
    Sqrt,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Relu,
    Sum,
    Mean,
}

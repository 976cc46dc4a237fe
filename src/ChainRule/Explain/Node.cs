namespace ChainRule.Explain;

/// <summary>
/// A node of an explanation: an input, a number, or an operation on other nodes (a chain a*b*c is one node). Its
/// value is a Variable of the library graph that the explanation builds, so the graph can also be drawn.
/// </summary>
internal sealed class Node
{
    private Node(string name, Variable value, OperationExpr? operation, Node[] operands)
    {
        Name = name;
        Value = value;
        Operation = operation;
        Operands = operands;
    }

    /// <summary>The input's or node's name, or the number itself for a constant.</summary>
    public string Name { get; set; }

    public Variable Value { get; }

    /// <summary>The operation computing this node; null for inputs and constants.</summary>
    public OperationExpr? Operation { get; }

    public Node[] Operands { get; }

    public bool IsInput => Operation is null && Value.RequiresGrad;

    public bool IsConstant => Operation is null && !Value.RequiresGrad;

    public static Node Input(string name, Tensor value) => new(name, new Variable(value.To(DType.Float64), name: name), null, []);

    public static Node Constant(double value) =>
        new(Operations.Signed(value), new Variable(Tensor.Scalar(value, DType.Float64), requiresGrad: false), null, []);

    public static Node Compute(OperationExpr operation, Node[] operands) =>
        new("", Operations.Apply(operation, operands.Select(x => x.Value).ToArray()), operation, operands);

    /// <summary>
    /// The vector-Jacobian product of this node with respect to its operand i, computed by autograd on this node
    /// alone: the operands become separate leaves (the notes' copies a~1, a~2 of a variable used twice), the op is
    /// applied to them, and Autograd.Grad takes the gradient of the result with respect to leaf i, seeded with
    /// <paramref name="upstream"/> (ones for the local derivative of a one-element node).
    /// </summary>
    public Tensor Vjp(int i, Tensor upstream)
    {
        var leaves = new Variable[Operands.Length];
        for (int k = 0; k < leaves.Length; k++)
        {
            leaves[k] = new Variable(Operands[k].Value.Data, requiresGrad: k == i);
        }
        Variable y = Operations.Apply(Operation!, leaves);
        return Autograd.Grad([y], [leaves[i]], [new Variable(upstream, requiresGrad: false)])[0].Data;
    }

    /// <summary>How operand i is named in a derivative: "a", or "a(2)" for the second of two uses of a in this node.</summary>
    public string OperandLabel(int i)
    {
        Node x = Operands[i];
        int uses = Operands.Count(o => o == x);
        return uses == 1 ? x.Name : $"{x.Name}({Operands.Take(i + 1).Count(o => o == x)})";
    }

    public override string ToString() => Name;
}

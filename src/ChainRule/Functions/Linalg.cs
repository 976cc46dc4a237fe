namespace ChainRule.Functions;

// Matrix functions of symmetric positive definite and triangular matrices, batched over leading axes
// (the rules of Murray, "Differentiation of the Cholesky decomposition", 2016, and of PyTorch's linalg backward).
// A symmetric input is differentiated as symmetric: gradients are symmetric matrices and tangents are symmetrized
// first, as PyTorch does; the forward passes read only the lower triangle.

/// <summary>
/// L = chol(A), A = L L^T, L lower (Tensor.Cholesky).
/// Forward mode: dA = dL L^T + L dL^T, so L^-1 dA L^-T = X + X^T with X = L^-1 dL lower triangular:
/// dL = L Φ(L^-1 dA L^-T), Φ = the lower triangle with its diagonal halved.
/// Reverse mode, the adjoint of that map: gA = sym(L^-T Φ(L^T gL) L^-1), sym(G) = (G + G^T) / 2.
/// </summary>
internal sealed class Cholesky(Tensor? factored = null) : Function
{
    // factored: the factor of this very input, computed already (CholeskyWithJitter tries the factorization first).
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => factored ?? Tensor.Cholesky(x[0]);

    protected internal override Variable?[] Backward(Variable gy)
    {
        Variable l = Output;
        Variable phi = Linalg.Phi(F.MatMul(l.Transpose(-2, -1), gy));
        Variable left = F.TriangularSolve(l, phi, upper: false, transpose: true); // L^-T Φ
        Variable g = F.TriangularSolve(l, left.Transpose(-2, -1), upper: false, transpose: true).Transpose(-2, -1); // (L^-T Φ) L^-1
        return [Linalg.Symmetric(g)];
    }

    protected internal override Variable? Jvp(int i, Variable dx)
    {
        Variable l = Output;
        Variable half = F.TriangularSolve(l, Linalg.Symmetric(dx)); // L^-1 dA
        Variable inner = F.TriangularSolve(l, half.Transpose(-2, -1)).Transpose(-2, -1); // L^-1 dA L^-T
        return F.MatMul(l, Linalg.Phi(inner));
    }
}

/// <summary>
/// X = M^-1 B, M = op(A) for the triangle of A (lower or upper), op = identity or transpose (Tensor.TriangularSolve).
/// gB = M^-T gX; gM = -gB X^T, read back through op and kept on A's triangle (the only entries forward reads).
/// dX = M^-1 (dB - dM X).
/// </summary>
internal sealed class TriangularSolve(bool upper, bool transpose) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.TriangularSolve(x[0], x[1], upper, transpose);

    protected internal override Variable?[] Backward(Variable gy)
    {
        Variable a = Inputs[0], x = Output;
        Variable gb = F.TriangularSolve(a, gy, upper, !transpose);
        Variable? ga = null;
        if (NeedsGrad(0))
        {
            Variable gm = -F.MatMul(gb, x.Transpose(-2, -1));
            ga = Triangle(transpose ? gm.Transpose(-2, -1) : gm);
        }
        return [ga, NeedsGrad(1) ? gb : null];
    }

    protected internal override Variable? Jvp(int i, Variable dx)
    {
        if (i == 1)
        {
            return F.TriangularSolve(Inputs[0], dx, upper, transpose);
        }
        Variable dt = Triangle(dx);
        Variable dm = transpose ? dt.Transpose(-2, -1) : dt;
        return -F.TriangularSolve(Inputs[0], F.MatMul(dm, Output), upper, transpose);
    }

    private Variable Triangle(Variable m) => m * Tensor.TriangleMask(m.Data, 0, lower: !upper);
}

/// <summary>
/// log det A for symmetric positive definite A, through its Cholesky factor: 2 sum log diag(L).
/// d log det A = tr(A^-1 dA); gA = gy A^-1 (symmetric).
/// </summary>
internal sealed class LogDet : Function
{
    private Tensor _lower = null!;

    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        _lower = Tensor.Cholesky(x[0]);
        return Tensor.LogDetFromCholesky(_lower);
    }

    protected internal override Variable?[] Backward(Variable gy)
    {
        // NOTE: a differentiated backward (second order) needs A^-1 as a function of A: factor again on the graph.
        Variable inverse = BackwardIsDifferentiated ? F.CholeskyInverse(F.Cholesky(Inputs[0])) : Tensor.CholeskyInverse(_lower);
        return [Linalg.AsMatrices(gy) * inverse];
    }

    protected internal override Variable? Jvp(int i, Variable dx) =>
        F.Sum(dx * Tensor.CholeskyInverse(_lower), [-2, -1]);
}

internal static class Linalg
{
    /// <summary>Φ(X): the lower triangle of X with its diagonal halved.</summary>
    public static Variable Phi(Variable x) => x * Tensor.TriangleMask(x.Data, 0, lower: true, diagonalValue: 0.5);

    /// <summary>(X + X^T) / 2 over the last two axes.</summary>
    public static Variable Symmetric(Variable x) => (x + x.Transpose(-2, -1)) * 0.5;

    /// <summary>A per-matrix value (...) as (..., 1, 1), to scale a batch of matrices.</summary>
    public static Variable AsMatrices(Variable perMatrix) => F.Unsqueeze(F.Unsqueeze(perMatrix, -1), -1);
}

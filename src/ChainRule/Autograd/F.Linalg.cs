using ChainRule.Functions;

namespace ChainRule;

// Differentiable linear algebra (torch.linalg's names where they exist); Functions/Linalg.cs holds the rules,
// Tensor.Linalg.cs the plain versions. Every op takes a batch of matrices (..., n, n).
public static partial class F
{
    /// <summary>The lower Cholesky factor L of symmetric positive definite a (..., n, n): a = L L^T.</summary>
    /// <exception cref="NotPositiveDefiniteException">A pivot is not positive; the message names it and its value.</exception>
    public static Variable Cholesky(Variable a) => new Functions.Cholesky().Apply(a);

    /// <summary>
    /// chol(a + jitter·I), jitter 0 when a factors as it is, else the smallest of a growing sequence that works
    /// (see <see cref="Tensor.CholeskyWithJitter"/>); differentiable in a. The jitter added is reported.
    /// </summary>
    public static Variable CholeskyWithJitter(Variable a, out double jitter, double? initialJitter = null, int maxTries = 6)
    {
        Tensor lower = Tensor.CholeskyWithJitter(a.Data, out jitter, initialJitter, maxTries);
        Variable shifted = jitter == 0 ? a : a + (Tensor.Eye(a.Shape[-1], a.DType) * jitter);
        return new Functions.Cholesky(lower).Apply(shifted);
    }

    /// <summary>X = op(a)^-1 b, a triangular (lower by default, or upper), op(a) = a or a^T; b (..., n, k) or (n).</summary>
    public static Variable TriangularSolve(Variable a, Variable b, bool upper = false, bool transpose = false)
    {
        if (b.Rank == 1)
        {
            return Squeeze(TriangularSolve(a, Unsqueeze(b, 1), upper, transpose), 1);
        }
        return new Functions.TriangularSolve(upper, transpose).Apply(a, b);
    }

    /// <summary>X = (L L^T)^-1 b from a lower Cholesky factor (torch.cholesky_solve): two triangular solves.</summary>
    public static Variable CholeskySolve(Variable b, Variable lower) =>
        TriangularSolve(lower, TriangularSolve(lower, b), upper: false, transpose: true);

    /// <summary>(L L^T)^-1 from a lower Cholesky factor (torch.cholesky_inverse).</summary>
    public static Variable CholeskyInverse(Variable lower)
    {
        Tensor eye = Tensor.Eye(lower.Shape[-1], lower.DType);
        return CholeskySolve(lower.Rank == 2 ? eye : eye.BroadcastTo(lower.Shape), lower);
    }

    /// <summary>log det a for symmetric positive definite a (..., n, n), through its Cholesky factor.</summary>
    public static Variable LogDet(Variable a) => new Functions.LogDet().Apply(a);

    /// <summary>log det (L L^T) = 2 sum log diag(L) from a lower Cholesky factor, when L is at hand already.</summary>
    public static Variable LogDetFromCholesky(Variable lower) => Sum(Log(Diagonal(lower)), -1) * 2.0;

    /// <summary>The diagonal of each square matrix of x (..., n, n) as (..., n).</summary>
    public static Variable Diagonal(Variable x) => Sum(x * Tensor.Eye(x.Shape[-1], x.DType), -1);

    /// <summary>The lower triangle of each matrix (torch.tril): column - row &lt;= diagonal kept, zeros elsewhere.</summary>
    public static Variable Tril(Variable x, int diagonal = 0) => x * Tensor.TriangleMask(x.Data, diagonal, lower: true);

    /// <summary>The upper triangle of each matrix (torch.triu): column - row &gt;= diagonal kept, zeros elsewhere.</summary>
    public static Variable Triu(Variable x, int diagonal = 0) => x * Tensor.TriangleMask(x.Data, diagonal, lower: false);
}

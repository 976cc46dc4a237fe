using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule;

// Linear algebra on symmetric positive definite and triangular matrices (torch.linalg's cholesky,
// solve_triangular, cholesky_solve; logdet for SPD input). Every operation takes a batch (..., n, n): the
// leading axes index independent matrices. The kernels (Kernels/Cholesky.cs, Kernels/TriangularSolve.cs) run on
// contiguous row-major copies, so any view is accepted. F holds the differentiable versions.
public sealed partial class Tensor
{
    /// <summary>
    /// The lower Cholesky factor L of each symmetric positive definite matrix in a (..., n, n): a = L L^T, zeros above
    /// the diagonal. Only the lower triangle of a is read (as LAPACK and PyTorch do).
    /// </summary>
    /// <exception cref="NotPositiveDefiniteException">A pivot is not positive (or not finite); the message names it and its value.</exception>
    /// <exception cref="ArgumentException">a is not a batch of square matrices.</exception>
    public static Tensor Cholesky(Tensor a)
    {
        if (!TryCholesky(a, out Tensor lower, out NotPositiveDefiniteException? failure))
        {
            throw failure;
        }
        return lower;
    }

    /// <summary>Cholesky without an exception: false, with what went wrong, when a matrix is not positive definite.</summary>
    public static bool TryCholesky(Tensor a, out Tensor lower, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out NotPositiveDefiniteException? failure)
    {
        int n = SquareOrder(a, "cholesky");
        Tensor source = a.To(FloatTypeOf(a)).Contiguous();
        lower = Uninitialized(a.Shape, source.DType);
        int batch = n == 0 ? 0 : lower.Size / (n * n);
        for (int m = 0; m < batch; m++)
        {
            (int pivot, double value) = lower.DType == DType.Float32
                ? FactorOne<float>(source, lower, m, n)
                : FactorOne<double>(source, lower, m, n);
            if (pivot >= 0)
            {
                string which = batch > 1 ? $" (matrix {m} of the batch)" : "";
                failure = new NotPositiveDefiniteException(
                    $"cholesky: {a.Shape} is not positive definite at pivot {pivot}{which} (value {Format(value)}); add jitter, e.g. 1e-6·I.",
                    pivot, value, m);
                return false;
            }
        }
        failure = null;
        return true;
    }

    /// <summary>
    /// The Cholesky factor of a + jitter·I, with jitter 0 when a factors as it is, else the first of
    /// initialJitter·10^t (t = 0 .. maxTries - 1) that makes every matrix factor, scaled by the mean of a's
    /// diagonal: what GPyTorch's psd_safe_cholesky does, so that likelihood training survives a numerically
    /// indefinite kernel matrix. initialJitter defaults to 1e-8 for float64 and 1e-5 for float32.
    /// </summary>
    /// <exception cref="NotPositiveDefiniteException">Not even the largest jitter made the matrix factor.</exception>
    public static Tensor CholeskyWithJitter(Tensor a, out double jitter, double? initialJitter = null, int maxTries = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTries, 1);
        jitter = 0;
        if (TryCholesky(a, out Tensor lower, out NotPositiveDefiniteException? failure))
        {
            return lower;
        }
        int n = SquareOrder(a, "cholesky");
        double scale = Math.Abs(Diagonal(a.To(DType.Float64)).Mean().Item());
        scale = scale > 0 && double.IsFinite(scale) ? scale : 1;
        double step = initialJitter ?? (FloatTypeOf(a) == DType.Float64 ? 1e-8 : 1e-5);
        Tensor eye = Eye(n, FloatTypeOf(a));
        for (int t = 0; t < maxTries; t++, step *= 10)
        {
            jitter = step * scale;
            if (TryCholesky(a + (eye * jitter), out lower, out failure))
            {
                return lower;
            }
        }
        throw new NotPositiveDefiniteException($"{failure.Message.TrimEnd('.')}, even with jitter {Format(jitter)}·I added.", failure.Pivot, failure.Value, failure.BatchIndex);
    }

    /// <summary>
    /// X = op(a)^-1 b for triangular a (..., n, n): lower (the default) or upper, op(a) = a or a^T (transpose);
    /// b (..., n, k), or (n) for one right-hand side. The batch axes of a and b must match, or a is one (n, n)
    /// matrix for every b. Only a's triangle is read.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit (both named), or a zero on the diagonal (singular).</exception>
    public static Tensor TriangularSolve(Tensor a, Tensor b, bool upper = false, bool transpose = false)
    {
        int n = SquareOrder(a, "triangular_solve");
        bool vector = b.Rank == 1;
        Tensor rhs = vector ? b.Unsqueeze(1) : b;
        if (rhs.Rank < 2 || rhs.Shape[-2] != n || (a.Rank > 2 && !a.Shape.Dims[..^2].SequenceEqual(rhs.Shape.Dims[..^2])))
        {
            throw new ArgumentException($"triangular_solve: {a.Shape} against {b.Shape}: the right-hand side must be (..., {n}, k) with the same batch axes, or ({n}).");
        }
        DType dtype = DTypes.Promote(FloatTypeOf(a), FloatTypeOf(b));
        Tensor t = a.To(dtype).Contiguous();
        Tensor x = rhs.To(dtype).Clone();
        int k = x.Shape[-1];
        int batch = n * k == 0 ? 0 : x.Size / (n * k);
        bool shared = a.Rank == 2;
        for (int m = 0; m < batch; m++)
        {
            int tOffset = shared ? t.Offset : t.Offset + (m * n * n);
            if (dtype == DType.Float32)
            {
                SolveOne<float>(t, tOffset, n, upper, transpose, x, m * n * k, k, a.Shape);
            }
            else
            {
                SolveOne<double>(t, tOffset, n, upper, transpose, x, m * n * k, k, a.Shape);
            }
        }
        return vector ? x.Squeeze(1) : x;
    }

    /// <summary>X = (L L^T)^-1 b from the lower Cholesky factor L (..., n, n) of a: two triangular solves (torch.cholesky_solve).</summary>
    public static Tensor CholeskySolve(Tensor b, Tensor lower) =>
        TriangularSolve(lower, TriangularSolve(lower, b), upper: false, transpose: true);

    /// <summary>(L L^T)^-1 from the lower Cholesky factor L (..., n, n) (torch.cholesky_inverse).</summary>
    public static Tensor CholeskyInverse(Tensor lower)
    {
        int n = SquareOrder(lower, "cholesky_inverse");
        Tensor eye = Eye(n, FloatTypeOf(lower));
        return CholeskySolve(lower.Rank == 2 ? eye : eye.BroadcastTo(lower.Shape).Contiguous(), lower);
    }

    /// <summary>log det a for symmetric positive definite a (..., n, n): 2 sum log diag(L), L its Cholesky factor. Shape (...).</summary>
    /// <exception cref="NotPositiveDefiniteException">a is not positive definite (its log-determinant may not be real).</exception>
    public static Tensor LogDet(Tensor a) => LogDetFromCholesky(Cholesky(a));

    /// <summary>2 sum log diag(L) over the last two axes of a lower Cholesky factor L: log det (L L^T).</summary>
    public static Tensor LogDetFromCholesky(Tensor lower) => Log(Diagonal(lower)).Sum(-1) * 2.0;

    /// <summary>The diagonal of each matrix in x (..., n, m) as (..., min(n, m)), a strided view (no copy).</summary>
    public static Tensor Diagonal(Tensor x)
    {
        if (x.Rank < 2)
        {
            throw new ArgumentException($"diagonal: {x.Shape} is not a matrix or a batch of matrices.");
        }
        int[] strides = [.. x._strides[..^2], x._strides[^2] + x._strides[^1]];
        var shape = new Shape([.. x.Shape.Dims[..^2], Math.Min(x.Shape[-2], x.Shape[-1])]);
        return x.View(x.Offset, shape, strides);
    }

    /// <summary>Lower triangle of each matrix in x (..., n, m): elements with column - row &lt;= diagonal, zeros elsewhere (torch.tril).</summary>
    public static Tensor Tril(Tensor x, int diagonal = 0) => x * TriangleMask(x, diagonal, lower: true);

    /// <summary>Upper triangle of each matrix in x (..., n, m): elements with column - row &gt;= diagonal, zeros elsewhere (torch.triu).</summary>
    public static Tensor Triu(Tensor x, int diagonal = 0) => x * TriangleMask(x, diagonal, lower: false);

    /// <summary>A (n, m) matrix of ones where column - row &lt;= diagonal (lower) or &gt;= diagonal (upper), zeros elsewhere.</summary>
    internal static Tensor TriangleMask(Tensor like, int diagonal, bool lower, double diagonalValue = double.NaN)
    {
        if (like.Rank < 2)
        {
            throw new ArgumentException($"{(lower ? "tril" : "triu")}: {like.Shape} is not a matrix or a batch of matrices.");
        }
        int n = like.Shape[-2], m = like.Shape[-1];
        Tensor mask = new(new Shape(n, m), DType.Float64);
        Span<double> values = mask.AsSpan<double>();
        for (int i = 0; i < n; i++)
        {
            // lower: columns j <= i + diagonal; upper: columns j >= i + diagonal
            Span<double> row = values.Slice(i * m, m);
            int edge = Math.Clamp(i + diagonal + (lower ? 1 : 0), 0, m);
            (lower ? row[..edge] : row[edge..]).Fill(1);
            if (i < m && !double.IsNaN(diagonalValue))
            {
                row[i] = diagonalValue;
            }
        }
        return mask.To(FloatTypeOf(like));
    }

    private static DType FloatTypeOf(Tensor x) => DTypes.FloatingOf(x.DType);

    private static string Format(double value) => value.ToString("G3", System.Globalization.CultureInfo.InvariantCulture).Replace("E", "e");

    private static int SquareOrder(Tensor a, string op)
    {
        if (a.Rank < 2 || a.Shape[-1] != a.Shape[-2])
        {
            throw new ArgumentException($"{op}: {a.Shape} is not a square matrix or a batch of square matrices (..., n, n).");
        }
        return a.Shape[-1];
    }

    // Factors matrix m of the batch into the same place of the contiguous result and zeros its strict upper triangle.
    // The kernel works on the upper form A = U^T U (contiguous rows in row-major storage): a's lower triangle is
    // written transposed, factored there, and U^T = L put back in place.
    private static (int Pivot, double Value) FactorOne<T>(Tensor a, Tensor result, int m, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> u = result.AsSpan<T>().Slice(m * n * n, n * n);
        Kernels.Cholesky.Transpose<T>(a.AsSpan<T>().Slice(m * n * n, n * n), n, n, n, u, n);
        int pivot = Kernels.Cholesky.FactorUpper(u, n, n, out T value);
        if (pivot >= 0)
        {
            return (pivot, double.CreateTruncating(value));
        }
        Kernels.Cholesky.UpperToLower(u, n, n);
        return (-1, 0);
    }

    private static void SolveOne<T>(Tensor t, int tOffset, int n, bool upper, bool transpose, Tensor x, int xOffset, int k, Shape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> matrix = ((T[])t.Buffer).AsSpan(tOffset, n * n);
        int singular = Kernels.TriangularSolve.FirstSingularPivot(matrix, n, n);
        if (singular >= 0)
        {
            throw new ArgumentException($"triangular_solve: {shape} is singular: diagonal element {singular} is {matrix[(singular * n) + singular]}.");
        }
        Kernels.TriangularSolve.Left(matrix, n, n, upper, transpose, ((T[])x.Buffer).AsSpan(x.Offset + xOffset, n * k), k, k);
    }
}

/// <summary>A matrix given to a Cholesky factorization is not (numerically) positive definite.</summary>
public sealed class NotPositiveDefiniteException(string message, int pivot, double value, int batchIndex) : ArgumentException(message)
{
    /// <summary>The row (0-based) whose pivot was not positive: the leading minor of order Pivot + 1 is not positive definite.</summary>
    public int Pivot { get; } = pivot;

    /// <summary>The pivot's value (negative, zero, NaN or infinite).</summary>
    public double Value { get; } = value;

    /// <summary>Which matrix of a batch failed (0 for a single matrix).</summary>
    public int BatchIndex { get; } = batchIndex;
}

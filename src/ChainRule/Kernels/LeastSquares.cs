namespace ChainRule.Kernels;

// x = argmin ||A x - b||_2 for A (rows x columns, row-major, rows >= columns), by Householder QR (Golub and Van Loan,
// Matrix Computations, 5.3): reflections make A upper triangular while applied to b, then back substitution.
// Backward stable, so an ill-conditioned A (correlated tanh features) still gives a small residual, which the normal
// equations A^T A x = A^T b would not. A column that is zero after the earlier reflections gets x = 0.
internal static class LeastSquares
{
    public static void Solve(ReadOnlySpan<double> a, int rows, int columns, ReadOnlySpan<double> b, Span<double> x)
    {
        if (rows < columns || a.Length != rows * columns || b.Length != rows || x.Length != columns)
        {
            throw new ArgumentException($"least squares: A has {a.Length} values for {rows} x {columns} (rows >= columns), b {b.Length}, x {x.Length}.");
        }
        double[] r = a.ToArray(), y = b.ToArray();
        var diagonal = new double[columns];
        var v = new double[rows];
        for (int j = 0; j < columns; j++)
        {
            // v = column j below the diagonal minus alpha e_j, with alpha = -sign(r_jj) ||column||: no cancellation.
            double norm = 0;
            for (int i = j; i < rows; i++)
            {
                norm += r[(i * columns) + j] * r[(i * columns) + j];
            }
            norm = Math.Sqrt(norm);
            if (norm == 0)
            {
                continue;
            }
            double alpha = r[(j * columns) + j] > 0 ? -norm : norm;
            for (int i = j; i < rows; i++)
            {
                v[i] = r[(i * columns) + j];
            }
            v[j] -= alpha;
            double vv = 0;
            for (int i = j; i < rows; i++)
            {
                vv += v[i] * v[i];
            }
            // Reflect the remaining columns and b: z -= 2 v (v . z) / (v . v).
            for (int c = j + 1; c < columns; c++)
            {
                double vz = 0;
                for (int i = j; i < rows; i++)
                {
                    vz += v[i] * r[(i * columns) + c];
                }
                double f = 2 * vz / vv;
                for (int i = j; i < rows; i++)
                {
                    r[(i * columns) + c] -= f * v[i];
                }
            }
            double vy = 0;
            for (int i = j; i < rows; i++)
            {
                vy += v[i] * y[i];
            }
            double fy = 2 * vy / vv;
            for (int i = j; i < rows; i++)
            {
                y[i] -= fy * v[i];
            }
            diagonal[j] = alpha;
        }
        for (int j = columns - 1; j >= 0; j--)
        {
            double sum = y[j];
            for (int c = j + 1; c < columns; c++)
            {
                sum -= r[(j * columns) + c] * x[c];
            }
            x[j] = diagonal[j] == 0 ? 0 : sum / diagonal[j];
        }
    }
}

namespace ChainRule.Kernels;

// Special functions that System.Math lacks, to double precision.
internal static class SpecialFunctions
{
    public const double InvSqrt2 = 0.70710678118654752440;
    public const double InvSqrtPi = 0.56418958354775628695;

    /// <summary>
    /// erf x = 2/sqrt(pi) * integral from 0 to x of e^(-t^2) dt, accurate to about 1e-15.
    /// |x| &lt; 2: the Maclaurin series erf x = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
    /// |x| &gt;= 2: 1 - erfc x, with erfc from its continued fraction (Abramowitz and Stegun 7.1.14),
    /// which converges fast there, while the series would lose digits to cancellation.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }
        double ax = Math.Abs(x);
        if (ax >= 6.0)
        {
            return Math.Sign(x); // erfc(6) < 3e-17: below double resolution near 1
        }
        if (ax < 2.0)
        {
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 60; n++)
            {
                term *= -x2 / n;
                double contribution = term / ((2 * n) + 1);
                sum += contribution;
                if (Math.Abs(contribution) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }
            return 2.0 * InvSqrtPi * sum;
        }
        double erfc = ErfcContinuedFraction(ax);
        return x > 0 ? 1.0 - erfc : erfc - 1.0;
    }

    // erfc x = e^(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), x >= 2,
    // evaluated from the tail up; 80 terms are plenty at x = 2.
    private static double ErfcContinuedFraction(double x)
    {
        double f = x;
        for (int k = 80; k >= 1; k--)
        {
            f = x + (k * 0.5 / f);
        }
        return Math.Exp(-x * x) * InvSqrtPi / f;
    }
}

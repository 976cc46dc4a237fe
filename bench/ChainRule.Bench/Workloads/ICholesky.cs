namespace ChainRule.Bench.Workloads;

/// <summary>One Cholesky factorization of a float64 SPD matrix, prepared by a backend with the matrix in its own tensor.</summary>
public interface ICholesky : IDisposable
{
    /// <summary>Factors the matrix once (allocating the factor is part of the work). This is the timed call.</summary>
    void Run();

    /// <summary>The lower factor of the last Run, (n, n) row-major; untimed, used to check the result.</summary>
    double[] Result();
}

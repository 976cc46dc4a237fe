namespace ChainRule.Bench.Workloads;

/// <summary>One matrix product, prepared by a backend with its inputs already in its own tensors.</summary>
public interface IGemm : IDisposable
{
    /// <summary>
    /// Computes C = op(A) op(B) once, in the library's ordinary way (allocating C is part of the
    /// work). This is the timed call.
    /// </summary>
    void Run();

    /// <summary>C of the last Run, (m, n) row-major; untimed, used to check the result.</summary>
    float[] Result();
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// Measures the machine's float32 fused multiply-add throughput: the ceiling any GEMM can reach.
/// Each thread runs 16 independent chains acc = acc * m + a. An FMA has a latency of about
/// 4 cycles and a core issues up to 2 per cycle, so at least 8 chains must be in flight to keep
/// both pipes busy; 16 leaves headroom and still fits the 32 vector registers of AVX-512.
/// One vector FMA counts as 2 * lanes flops (16 lanes for Vector512, 8 for Vector256).
/// </summary>
public static class FmaPeak
{
    private const int Chains = 16;

    // Each call of a kernel runs this many loop iterations of Chains FMAs: ~0.5 ms per call.
    private const long IterationsPerCall = 1 << 16;

    /// <summary>GFLOP/s of `threads` threads, each running the kernel for about `seconds`.</summary>
    public static double Measure(int vectorBits, int threads, double seconds)
    {
        Func<long, float> kernel = vectorBits switch
        {
            512 => Kernel512,
            256 => Kernel256,
            _ => throw new ArgumentOutOfRangeException(nameof(vectorBits), vectorBits, "expected 256 or 512"),
        };
        double flopsPerCall = IterationsPerCall * Chains * 2.0 * (vectorBits / 32);

        // Calibrate on one thread, then give every thread the same fixed number of calls and
        // time from the common start until the last one finishes.
        var clock = Stopwatch.StartNew();
        long calibrationCalls = 0;
        while (clock.Elapsed.TotalSeconds < 0.02)
        {
            kernel(IterationsPerCall);
            calibrationCalls++;
        }
        long calls = Math.Max(1, (long)(seconds * calibrationCalls / clock.Elapsed.TotalSeconds));

        using var start = new Barrier(threads + 1);
        var sink = new float[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (long c = 0; c < calls; c++)
                sink[t] += kernel(IterationsPerCall);
        })).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        clock.Restart();
        workers.ForEach(w => w.Join());
        double elapsed = clock.Elapsed.TotalSeconds;

        if (!float.IsFinite(sink.Sum()))
            throw new InvalidOperationException("FMA chains overflowed; the probe's constants are wrong.");
        return threads * calls * flopsPerCall / elapsed / 1e9;
    }

    // acc converges to a / (1 - m) = 1e4: no overflow, no denormals, whatever the iteration count.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Kernel512(long iterations)
    {
        var m = Vector512.Create(0.9999999f);
        var a = Vector512.Create(1e-3f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a);
            c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a);
            c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a);
            c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a);
            c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a);
            c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a);
            c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            c12 = Vector512.FusedMultiplyAdd(c12, m, a);
            c13 = Vector512.FusedMultiplyAdd(c13, m, a);
            c14 = Vector512.FusedMultiplyAdd(c14, m, a);
            c15 = Vector512.FusedMultiplyAdd(c15, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Kernel256(long iterations)
    {
        var m = Vector256.Create(0.9999999f);
        var a = Vector256.Create(1e-3f);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector256<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a);
            c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a);
            c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a);
            c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a);
            c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a);
            c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a);
            c11 = Vector256.FusedMultiplyAdd(c11, m, a);
            c12 = Vector256.FusedMultiplyAdd(c12, m, a);
            c13 = Vector256.FusedMultiplyAdd(c13, m, a);
            c14 = Vector256.FusedMultiplyAdd(c14, m, a);
            c15 = Vector256.FusedMultiplyAdd(c15, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
    }
}

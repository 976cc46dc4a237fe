using BenchmarkDotNet.Attributes;
using ChainRule.Bench.Backends;
using ChainRule.Bench.Harness;
using ChainRule.Bench.Workloads;

namespace ChainRule.Bench.Micro;

/// <summary>
/// One matrix product at the MLP training shapes (GemmShape.MlpShapes), for every registered
/// library and on 1 thread and all cores. Compare rows with equal Shape and Threads.
/// </summary>
public class GemmBench
{
    private IGemm? _gemm;

    public static IEnumerable<string> Backends => BackendRegistry.All.Select(b => b.Name);

    public static IEnumerable<GemmShape> Shapes => GemmShape.MlpShapes;

    public static IEnumerable<int> ThreadCounts => PeakWorkload.ThreadCounts();

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "";

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.MlpShapes[0];

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var backend = BackendRegistry.Find(Backend);
        backend.SetThreads(Threads);
        var random = new SplitMix64(42);
        _gemm = backend.CreateGemm(Shape, random.NextUniformArray(Shape.ALength, -1, 1), random.NextUniformArray(Shape.BLength, -1, 1));
    }

    [Benchmark]
    public void MatMul() => _gemm!.Run();

    [GlobalCleanup]
    public void Cleanup() => _gemm?.Dispose();
}

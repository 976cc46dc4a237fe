using ChainRule.Bench.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace ChainRule.Bench.Backends;

// NOTE: inside namespace ChainRule.*, 'Tensor' would mean ChainRule.Tensor; here it is libtorch's.
using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// C = op(A) op(B) with torch.matmul. A transposed operand is a strided view (Tensor.t()), which
/// libtorch hands to its BLAS as a transpose flag, so no copy is made in the timed call.
/// </summary>
public sealed class TorchSharpGemm : IGemm
{
    private readonly Tensor _a;
    private readonly Tensor _b;
    private readonly Tensor _opA;
    private readonly Tensor _opB;
    private Tensor? _c;

    public TorchSharpGemm(GemmShape shape, float[] a, float[] b)
    {
        // Storage shapes: A (m, k) or (k, m) when TransA; B (k, n) or (n, k) when TransB.
        _a = shape.TransA ? tensor(a, [shape.K, shape.M]) : tensor(a, [shape.M, shape.K]);
        _b = shape.TransB ? tensor(b, [shape.N, shape.K]) : tensor(b, [shape.K, shape.N]);
        _opA = shape.TransA ? _a.t() : _a.alias();
        _opB = shape.TransB ? _b.t() : _b.alias();
    }

    public void Run()
    {
        _c?.Dispose();
        _c = matmul(_opA, _opB);
    }

    public float[] Result() => _c?.contiguous().data<float>().ToArray() ?? throw new InvalidOperationException("Run has not been called.");

    public void Dispose()
    {
        _c?.Dispose();
        _opA.Dispose();
        _opB.Dispose();
        _a.Dispose();
        _b.Dispose();
    }
}

using ChainRule.Bench.Workloads;
using static TorchSharp.torch;

namespace ChainRule.Bench.Backends;

/// <summary>ScalarGraph's expression on 0-d float32 tensors, written as a TorchSharp user would.</summary>
public sealed class TorchSharpScalarGraph : IScalarGraph
{
    public ScalarGraphResult Run(int ops)
    {
        // Every tensor made inside, including the graph's intermediates, is freed when the scope ends.
        using var scope = NewDisposeScope();
        var x = tensor(ScalarGraph.X, requires_grad: true);
        var w = tensor(ScalarGraph.W, requires_grad: true);
        var v = x;
        for (int i = 0; i < ops; i++)
        {
            v = (i % 3) switch { 0 => v + w, 1 => v * w, _ => v.tanh() };
        }
        v.backward();
        return new ScalarGraphResult(v.item<float>(), x.grad!.item<float>(), w.grad!.item<float>());
    }
}

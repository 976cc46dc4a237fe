using ChainRule.Bench.Commands;
using ChainRule.Bench.Harness;
using static TorchSharp.torch;

namespace ChainRule.Bench.Workloads;

/// <summary>
/// Conv2d GFLOP/s at the two convolutions of the issue-10 CNN, batch 256, 3 x 3 kernels, padding 1: forward alone
/// (2 N OutC C 9 OH OW flops) and forward plus both gradients (three times that), on 1 thread and on all cores,
/// ChainRule's F.Conv2d against TorchSharp's nn.functional.conv2d (oneDNN inside libtorch). The two forwards are
/// compared once (max |difference| relative to max |y|) before timing.
/// </summary>
public static class ConvWorkload
{
    private static readonly (string Name, int C, int Size, int OutC)[] Layers = [("conv 1 -> 32 at 28 x 28", 1, 28, 32), ("conv 32 -> 64 at 14 x 14", 32, 14, 64)];

    public static IEnumerable<ResultRow> Measure(CompareSettings settings, IReadOnlyDictionary<(int Bits, int Threads), double> peak)
    {
        const int batch = 256;
        foreach (int threads in PeakWorkload.ThreadCounts())
        {
            foreach (var (name, c, size, outC) in Layers)
            {
                var random = new SplitMix64(99);
                float[] x = random.NextUniformArray(batch * c * size * size, -1, 1);
                float[] w = random.NextUniformArray(outC * c * 9, -1, 1);
                double flops = 2.0 * batch * outC * c * 9 * size * size;

                var cx = ChainRule.Tensor.FromArray(x, [batch, c, size, size]);
                var cw = new ChainRule.Variable(ChainRule.Tensor.FromArray(w, [outC, c, 3, 3]), requiresGrad: true);
                var cxv = new ChainRule.Variable(cx, requiresGrad: true);
                using var tx = tensor(x, [batch, c, size, size]);
                using var tw = tensor(w, [outC, c, 3, 3]);
                using var txg = tensor(x, [batch, c, size, size]).requires_grad_(true);
                using var twg = tensor(w, [outC, c, 3, 3]).requires_grad_(true);
                var upstream = ChainRule.Tensor.Ones([batch, outC, size, size]);

                void ChainRuleForward()
                {
                    using (ChainRule.Autograd.NoGrad())
                    {
                        ChainRule.F.Conv2d(cx, cw, null, 1, 1);
                    }
                }
                void ChainRuleTraining()
                {
                    cxv.ClearGrad();
                    cw.ClearGrad();
                    ChainRule.F.Conv2d(cxv, cw, null, 1, 1).Backward(upstream);
                }
                void TorchForward()
                {
                    using var noGrad = no_grad();
                    using var y = nn.functional.conv2d(tx, tw, padding: [1, 1]);
                }
                void TorchTraining()
                {
                    using var scope = NewDisposeScope();
                    txg.grad?.zero_();
                    twg.grad?.zero_();
                    nn.functional.conv2d(txg, twg, padding: [1, 1]).sum().backward();
                }

                ChainRule.Parallelism.MaxDegree = threads;
                set_num_threads(threads);
                Verify(name, cx, cw, tx, tw);
                foreach (var (label, work, chainRule, torchSharp) in new[] { ("forward", 1.0, (Action)ChainRuleForward, (Action)TorchForward), ("forward + both gradients", 3.0, ChainRuleTraining, TorchTraining) })
                {
                    Timing.Repeat(chainRule, settings.WarmUpSeconds);
                    Timing.Repeat(torchSharp, settings.WarmUpSeconds);
                    var samples = Interleaved.Run(
                        [
                            ("ChainRule", () => { ChainRule.Parallelism.MaxDegree = threads; var (runs, seconds) = Timing.Repeat(chainRule, settings.SampleSeconds); return work * flops * runs / seconds / 1e9; }),
                            ("TorchSharp", () => { set_num_threads(threads); var (runs, seconds) = Timing.Repeat(torchSharp, settings.SampleSeconds); return work * flops * runs / seconds / 1e9; }),
                        ],
                        settings.Repetitions, settings.WaitIdleSeconds);
                    string note = peak.TryGetValue((512, threads), out double p512)
                        ? string.Join("; ", samples.Select(s => $"{s.Key} {100 * s.Value.Median / p512:F0}% of the FMA-512 peak"))
                        : "add the peak group (--only peak,cnn) for the fraction of the FMA peak";
                    yield return new ResultRow($"Conv2d float32, batch {batch}, 3 x 3, padding 1, {PeakWorkload.Threads(threads)}", $"{name}, {label}", "GFLOP/s", "F1", Better.Higher, samples, note);
                }
            }
        }
        ChainRule.Parallelism.MaxDegree = Environment.ProcessorCount;
        set_num_threads(Environment.ProcessorCount);
    }

    private static void Verify(string name, ChainRule.Tensor x, ChainRule.Variable w, TorchSharp.torch.Tensor tx, TorchSharp.torch.Tensor tw)
    {
        float[] ours;
        using (ChainRule.Autograd.NoGrad())
        {
            ours = ChainRule.F.Conv2d(x, w, null, 1, 1).Data.ToArray();
        }
        using var noGrad = no_grad();
        using var y = nn.functional.conv2d(tx, tw, padding: [1, 1]);
        float[] theirs = y.data<float>().ToArray();
        double scale = theirs.Max(Math.Abs), worst = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        if (ours.Length != theirs.Length || worst > 1e-4 * scale)
            throw new InvalidOperationException($"{name}: ChainRule and TorchSharp differ by {worst} (max |y| {scale}).");
    }
}

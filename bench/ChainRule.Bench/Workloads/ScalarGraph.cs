namespace ChainRule.Bench.Workloads;

/// <summary>
/// The micrograd-style workload: many tiny ops on 0-d tensors, so the time is the graph
/// bookkeeping and per-op dispatch, not arithmetic.
///
/// Leaves: x = 0.5 and w = 0.9, both 0-d float32 with gradients on. Starting from v = x,
/// op i (i = 0 .. ops-1) is, by i % 3:
///   0: v = v + w      1: v = v * w      2: v = tanh(v)
/// Then backward from v (seed gradient 1). With ops = 1000 that is 334 adds, 333 multiplies and
/// 333 tanh: 1000 graph nodes, and w is an input of 667 of them, so its gradient accumulates.
/// The result is 1.828224 and dv/dw = 1.431312. dv/dx is a product of 666 factors below 1,
/// about 1e-301 in float64 and 0 in float32: expected, not a bug.
/// </summary>
public static class ScalarGraph
{
    public const int Ops = 1000;
    public const float X = 0.5f;
    public const float W = 0.9f;

    /// <summary>The same expression and its gradients by hand, in float64: the oracle.</summary>
    public static ScalarGraphResult Reference(int ops)
    {
        // values[i] is v before op i; values[ops] is the result.
        var values = new double[ops + 1];
        double w = W;
        values[0] = X;
        for (int i = 0; i < ops; i++)
        {
            double v = values[i];
            values[i + 1] = (i % 3) switch { 0 => v + w, 1 => v * w, _ => Math.Tanh(v) };
        }

        // Reverse sweep: gv = dResult/dv_i, gw accumulates dResult/dw over the ops that read w.
        double gv = 1;
        double gw = 0;
        for (int i = ops - 1; i >= 0; i--)
        {
            switch (i % 3)
            {
                case 0:
                    gw += gv;
                    break;
                case 1:
                    gw += gv * values[i];
                    gv *= w;
                    break;
                default:
                    gv *= 1 - values[i + 1] * values[i + 1];
                    break;
            }
        }
        return new ScalarGraphResult(values[ops], gv, gw);
    }
}

namespace ChainRule;

// The reverse-mode engine (micrograd's, without recursion):
//   1. order the Functions reachable from the outputs topologically, by an iterative depth-first
//      post-order walk (no recursion over graph depth: a 100,000-op chain is fine);
//   2. walk that order backwards: each Function runs Backward exactly once, after every consumer of
//      its output has sent its gradient, and its gx go to its inputs.
// Two rules live here and nowhere else:
//   - a gx is summed down to its input's shape (a broadcast in forward is a sum in backward) and
//     cast to its input's type;
//   - gradients accumulate, never overwrite: x.Grad = x.Grad + gx (MISSION 1.1, a variable used twice);
//   - a gradient buffer goes back to the TensorPool (Recycle) only when this engine computed it without
//     recording a graph into memory of its own (Function.Apply: not an input's), exactly one Variable held it
//     (Adoptions == 1), no other gradient views its memory, and user code never read it (Variable.Grad's getter
//     clears Recyclable). Adoptions never decrease, so a buffer that two Variables ever shared is never reused.
// Backward runs under NoGrad unless createGraph, so gradients are plain values or, with createGraph,
// differentiable Variables.
internal static class Backprop
{
    private static int s_stamp;

    /// <summary>
    /// Runs one backward pass. With targets null, leaf gradients go to Variable.Grad; otherwise nothing's
    /// Grad is touched and the targets' gradients are returned (Autograd.Grad).
    /// </summary>
    public static Variable[]? Run(Variable[] outputs, Variable?[] seeds, bool retainGraph, bool createGraph, Variable[]? targets)
    {
        bool functional = targets is not null;
        var pending = new List<Variable>(); // Variables holding a PendingGrad, cleared at the end
        foreach (Variable target in targets ?? [])
        {
            target.IsGradTarget = true;
        }
        try
        {
            List<Function> order = TopologicalOrder(outputs);
            using Autograd.Scope mode = createGraph ? Autograd.EnableGrad() : Autograd.NoGrad();
            using Autograd.Scope temporaries = createGraph ? default : Autograd.EngineBackward();
            for (int i = 0; i < outputs.Length; i++)
            {
                Accumulate(outputs[i], Seed(outputs[i], seeds[i]), functional, pending);
            }
            for (int i = order.Count - 1; i >= 0; i--)
            {
                Function f = order[i];
                Variable y = f.Output;
                Variable? gy = y.PendingGrad;
                if (!y.IsGradTarget)
                {
                    y.PendingGrad = null; // release it as soon as it is used
                }
                if (gy is not null && y.RetainsGrad && !functional)
                {
                    y.GradValue = Adopt(y.GradValue, gy);
                }
                if (gy is not null)
                {
                    SendGradients(f, gy, y.IsGradTarget, functional, pending);
                }
                if (!retainGraph)
                {
                    f.Release();
                }
            }
            if (!functional)
            {
                return null;
            }
            var grads = new Variable[targets!.Length];
            for (int i = 0; i < grads.Length; i++)
            {
                grads[i] = targets[i].PendingGrad ?? new Variable(Tensor.ZerosLike(targets[i].Data), requiresGrad: false);
                grads[i].Recyclable = false; // the caller's now
            }
            return grads;
        }
        finally
        {
            foreach (Variable v in pending)
            {
                v.PendingGrad = null;
            }
            foreach (Variable target in targets ?? [])
            {
                target.IsGradTarget = false;
            }
        }
    }

    private static void SendGradients(Function f, Variable gy, bool keepGy, bool functional, List<Variable> pending)
    {
        bool anomaly = Autograd.IsAnomalyDetectionEnabled; // one thread-static read per Function
        Variable?[] gxs = anomaly ? BackwardCheckingAnomalies(f, gy) : f.Backward(gy);
        SendEach(f, gxs, anomaly, functional, pending);

        // gy is dead now, and so is any gx that no Variable adopted (it was summed into another gradient).
        if (!keepGy && !SharesMemory(gy, gxs))
        {
            Recycle(gy, adoptions: 1);
        }
        foreach (Variable? gx in gxs)
        {
            if (gx is not null && !ReferenceEquals(gx, gy) && !SharesMemory(gx, gxs))
            {
                Recycle(gx, adoptions: 0);
            }
        }
    }

    private static void SendEach(Function f, Variable?[] gxs, bool anomaly, bool functional, List<Variable> pending)
    {
        ReadOnlySpan<Variable> inputs = f.Inputs;
        for (int j = 0; j < inputs.Length; j++)
        {
            Variable x = inputs[j];
            Variable? gx = j < gxs.Length ? gxs[j] : null;
            if (gx is null || !x.RequiresGrad)
            {
                continue;
            }
            if (gx.Shape != x.Shape)
            {
                gx = F.SumTo(gx, x.Shape);
            }
            if (gx.DType != x.DType)
            {
                gx = F.To(gx, x.DType);
            }
            if (anomaly && !gx.Data.IsFinite())
            {
                throw new AnomalyException(
                    $"{f.Name} produced NaN or infinity in backward, in the gradient of its input {j} (inputs of shape {f.InputShapes()}), created at {f.CallSite}.");
            }
            Accumulate(x, gx, functional, pending);
        }
    }

    // The ops inside a Backward check their own outputs in anomaly mode; name the Function whose backward it was.
    private static Variable?[] BackwardCheckingAnomalies(Function f, Variable gy)
    {
        try
        {
            return f.Backward(gy);
        }
        catch (AnomalyException inner)
        {
            throw new AnomalyException(
                $"{f.Name} produced NaN or infinity in backward (inputs of shape {f.InputShapes()}), created at {f.CallSite}. Inside it: {inner.Message}");
        }
    }

    // Leaves collect into Grad (across passes, until ClearGrad); everything else into PendingGrad for this pass.
    private static void Accumulate(Variable x, Variable gx, bool functional, List<Variable> pending)
    {
        if (x.IsLeaf && !functional)
        {
            if (x.RequiresGrad)
            {
                x.GradValue = Adopt(x.GradValue, gx);
            }
            return;
        }
        if (x.PendingGrad is null)
        {
            pending.Add(x);
        }
        x.PendingGrad = Adopt(x.PendingGrad, gx);
    }

    // The new value of a gradient field holding `held` when gx arrives: gx itself (adopted) or the sum.
    private static Variable Adopt(Variable? held, Variable gx)
    {
        if (held is null)
        {
            gx.Adoptions++;
            return gx;
        }
        Variable sum = held + gx;
        sum.Adoptions++;
        if (!Autograd.IsGradEnabled)
        {
            Recycle(held, adoptions: 1); // with createGraph, the sum's graph keeps `held` as an input
        }
        return sum;
    }

    /// <summary>Gives v's buffer back to the TensorPool if the rule at the top of this file allows it.</summary>
    internal static void Recycle(Variable? v, int adoptions)
    {
        if (v is { Recyclable: true } && v.Adoptions == adoptions && v.Data.OwnsBuffer)
        {
            v.Recyclable = false;
            v.Data.ReturnBuffer();
        }
    }

    // Whether another gradient of this step sees v's memory (the same Variable twice, or a view of it).
    private static bool SharesMemory(Variable v, Variable?[] gxs)
    {
        int seen = 0;
        foreach (Variable? gx in gxs)
        {
            if (gx is not null && Tensor.SameBuffer(gx.Data, v.Data))
            {
                seen++;
            }
        }
        return seen > (Array.IndexOf(gxs, v) >= 0 ? 1 : 0);
    }

    private static Variable Seed(Variable output, Variable? seed)
    {
        if (seed is null)
        {
            return output.Size == 1
                ? new Variable(Tensor.OnesLike(output.Data), requiresGrad: false)
                : throw new ArgumentException(
                    $"Backward() without a gradient needs a one-element output, but this one has shape {output.Shape}; pass the upstream gradient dL/dy (a vector-Jacobian product).");
        }
        return seed.Shape == output.Shape ? seed
            : throw new ArgumentException($"Backward: the gradient has shape {seed.Shape} but the output has shape {output.Shape}.");
    }

    /// <summary>Functions reachable from the outputs, each after the Functions that produced its inputs.</summary>
    internal static List<Function> TopologicalOrder(ReadOnlySpan<Variable> outputs)
    {
        int stamp = Interlocked.Increment(ref s_stamp);
        var order = new List<Function>();
        var stack = new Stack<(Function F, int NextInput)>();
        foreach (Variable output in outputs)
        {
            Visit(output.Creator, stamp, stack);
        }
        while (stack.Count > 0)
        {
            (Function f, int next) = stack.Pop();
            if (next < f.Inputs.Length)
            {
                stack.Push((f, next + 1));
                Visit(f.Inputs[next].Creator, stamp, stack);
            }
            else
            {
                order.Add(f);
            }
        }
        return order;
    }

    private static void Visit(Function? f, int stamp, Stack<(Function, int)> stack)
    {
        if (f is null || f.VisitStamp == stamp)
        {
            return;
        }
        if (f.IsReleased)
        {
            throw new InvalidOperationException(
                $"Backward through a graph that an earlier backward pass already released (at {f.Name}). " +
                "Pass retainGraph: true to the first Backward call to backpropagate through the same graph twice.");
        }
        f.VisitStamp = stamp;
        stack.Push((f, 0));
    }
}

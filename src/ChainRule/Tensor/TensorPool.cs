namespace ChainRule;

// Buffers the autograd engine gives back when it can prove it held the only reference, handed out again
// for new tensors of the same size. A training step's gradients (a weight gradient is as large as the weight)
// then come from memory the previous step used, instead of fresh pages: no page faults, no GC churn.
//
// Buffers come back two ways, both through the buffer's BufferLease (so at most once, and every tensor that still
// holds the buffer throws RecycledTensorException from then on, never reading the next owner's numbers):
//   - a StepScope ends: every tensor an op created during the step, unless kept (StepScope);
//   - the engine proves it held the only reference to a gradient (Backprop.Recycle): computed without recording a
//     graph, into memory of its own (not an input's, as a same-shape reshape would return), held by exactly one
//     Variable, viewed by no other gradient, never read by user code (reading Variable.Grad opts it out for good).
internal static class TensorPool
{
    public const int MinElements = 1024;           // smaller arrays are cheap for the GC (4 KiB of float32)
    private const int MaxPerSize = 32;             // a CNN step holds a dozen activations and gradients of one size
    private static readonly long MaxBytes = Math.Min(1L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8);

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<(int Size, DType DType), Stack<Array>> s_free = [];
    private static long s_bytes;

    public static Array? Rent(int size, DType dtype)
    {
        if (size < MinElements)
        {
            return null;
        }
        lock (s_lock)
        {
            if (s_free.TryGetValue((size, dtype), out Stack<Array>? stack) && stack.TryPop(out Array? buffer))
            {
                s_bytes -= (long)size * dtype.ElementSize();
                return buffer;
            }
        }
        return null;
    }

    public static void Return(Array buffer, DType dtype)
    {
        int size = buffer.Length;
        long bytes = (long)size * dtype.ElementSize();
        if (size < MinElements)
        {
            return;
        }
        lock (s_lock)
        {
            if (!s_free.TryGetValue((size, dtype), out Stack<Array>? stack))
            {
                s_free[(size, dtype)] = stack = new Stack<Array>();
            }
            if (stack.Count < MaxPerSize && s_bytes + bytes <= MaxBytes)
            {
                stack.Push(buffer);
                s_bytes += bytes;
            }
        }
    }
}

namespace ChainRule;

// Buffers the autograd engine gives back when it can prove it held the only reference, handed out again
// for new tensors of the same size. A training step's gradients (a weight gradient is as large as the weight)
// then come from memory the previous step used, instead of fresh pages: no page faults, no GC churn.
//
// The lifetime rule lives in Backprop, Function and Variable and is checked there, not here: a buffer comes back
// only from a gradient the engine computed without recording a graph, into memory of its own (not an input's, as
// a same-shape reshape would return), that exactly one Variable held, that no other gradient views, and that user
// code never read (reading Variable.Grad opts a gradient out for good).
internal static class TensorPool
{
    public const int MinElements = 4096;           // smaller arrays are cheap for the GC
    private const int MaxPerSize = 8;
    private const long MaxBytes = 512L * 1024 * 1024;

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

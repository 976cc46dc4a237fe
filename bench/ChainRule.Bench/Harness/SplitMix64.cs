namespace ChainRule.Bench.Harness;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose stream is fixed by its seed on
/// every platform and runtime, so any library can be given identical data and initial weights.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1): the top 24 bits of the next value, times 2^-24 (exact in float).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform in [low, high): low + (high - low) * NextFloat(), computed in float.</summary>
    public float[] NextUniformArray(int length, float low, float high)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
            values[i] = low + (high - low) * NextFloat();
        return values;
    }

    /// <summary>Uniform in [0, bound): NextUInt64() % bound (the bias is negligible for our bounds).</summary>
    public int NextInt(int bound) => (int)(NextUInt64() % (ulong)bound);

    /// <summary>0 .. count-1 shuffled by Fisher-Yates: for i from count-1 down to 1, swap i and NextInt(i + 1).</summary>
    public int[] Permutation(int count)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++)
            order[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}

using System.Numerics;

namespace ChainRule;

/// <summary>
/// A seedable random number generator whose sequence is fixed by the seed alone, on every machine
/// and .NET version: xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64.
/// <see cref="System.Random"/> is not used because its seeded sequence is an implementation detail.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    public Generator(ulong seed)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    public ulong Seed { get; }

    /// <summary>64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive), without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
        ulong range = (ulong)maxExclusive;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low >= threshold)
            {
                return (int)high;
            }
        }
    }

    /// <summary>Standard normal N(0, 1) by the Box-Muller transform (pairs are cached).</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1 = 1.0 - NextDouble(); // (0, 1]: log(u1) is finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareNormal = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>A random permutation of 0..n-1 (Fisher-Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++)
        {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>The number of values <see cref="GetState"/> returns.</summary>
    public const int StateLength = 6;

    /// <summary>
    /// The whole state (xoshiro's 256 bits, then whether a spare normal is cached and its bits), so a run can be
    /// saved and continued exactly where it stopped (<see cref="SetState"/>).
    /// </summary>
    public ulong[] GetState() =>
        [_s0, _s1, _s2, _s3, _spareNormal is null ? 0UL : 1UL, _spareNormal is double spare ? BitConverter.DoubleToUInt64Bits(spare) : 0UL];

    /// <summary>Restores a state from <see cref="GetState"/>: the generator continues that sequence.</summary>
    /// <exception cref="ArgumentException">Not <see cref="StateLength"/> values, an all-zero xoshiro state (it never leaves zero), or a spare flag other than 0 or 1.</exception>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != StateLength)
        {
            throw new ArgumentException($"generator state: expected {StateLength} values, got {state.Length}.", nameof(state));
        }
        if ((state[0] | state[1] | state[2] | state[3]) == 0 || state[4] > 1)
        {
            throw new ArgumentException("generator state: not a state GetState returns (all-zero bits or a bad spare flag).", nameof(state));
        }
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
        _spareNormal = state[4] == 1 ? BitConverter.UInt64BitsToDouble(state[5]) : null;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

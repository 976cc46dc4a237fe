using System.Collections;

namespace ChainRule.Data;

/// <summary>
/// Mini-batches of a <see cref="Dataset"/>: each batch is <c>(X, Y)</c> with X of shape (batch, ...) from the
/// features and Y of shape (batch) or (batch, k) from the labels, where batch = <see cref="BatchSize"/> except
/// perhaps for the last one, which is kept unless <c>dropLast</c>.
/// </summary>
/// <remarks>
/// Each <c>foreach</c> over the loader is one epoch: the first is epoch 0, the next epoch 1, and so on
/// (any enumeration counts, LINQ's <c>ToList()</c> or <c>First()</c> included).
/// <see cref="Batches(int)"/> gives any epoch directly (to resume a run, or to repeat one). With
/// <c>shuffle</c>, epoch e visits the samples in the order of a permutation drawn from a
/// <see cref="Generator"/> seeded by a hash of (seed, e): a run is reproducible, every epoch has its own
/// order, and every sample appears exactly once per epoch. Without it, the order is the data set's.
/// <para/>
/// Every batch is two new tensors, filled by one span copy per row: a caller may keep a batch (or a graph
/// built on it) as long as it likes. They are plain tensors; a model takes them as constants
/// (a Tensor converts to a Variable that requires no gradient).
/// </remarks>
public sealed class DataLoader : IEnumerable<(Tensor X, Tensor Y)>
{
    private readonly ulong _seed;
    private int _nextEpoch;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    /// <param name="augmentation">When given, every batch's features are augmented (a training loader only).</param>
    public DataLoader(Dataset dataset, int batchSize, bool shuffle = false, ulong seed = 0, bool dropLast = false, Augmentation? augmentation = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Augmentation = augmentation;
        _seed = seed;
    }

    /// <summary>The augmentation applied to every batch, or null.</summary>
    public Augmentation? Augmentation { get; }

    public Dataset Dataset { get; }

    public int BatchSize { get; }

    public bool Shuffle { get; }

    public bool DropLast { get; }

    /// <summary>The number of batches per epoch: ceil(n / batchSize), or floor(n / batchSize) with dropLast.</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based); the same epoch always gives the same batches.</summary>
    public IEnumerable<(Tensor X, Tensor Y)> Batches(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        int n = Dataset.Count;
        int[] order = Shuffle ? new Generator(EpochSeed(_seed, epoch)).Permutation(n) : [.. Enumerable.Range(0, n)];
        // the augmentation's own generator: the shuffle's order does not change when augmentation is switched on
        Generator? draws = Augmentation is null ? null : new Generator(EpochSeed(_seed ^ 0xA5A5_5A5A_A5A5_5A5AUL, epoch));
        return Iterate(order, draws);
    }

    /// <summary>Starts the next epoch: 0 for the first foreach, then 1, 2, ...</summary>
    public IEnumerator<(Tensor X, Tensor Y)> GetEnumerator() => Batches(_nextEpoch++).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The seed of epoch e's generator: a bijective 64-bit mix (MurmurHash3's finalizer) of seed + mix(e),
    /// so for one seed no two epochs share a generator, and nearby seeds give unrelated orders.
    /// </summary>
    internal static ulong EpochSeed(ulong seed, int epoch) => Mix(seed + Mix((ulong)epoch));

    private IEnumerable<(Tensor X, Tensor Y)> Iterate(int[] order, Generator? draws)
    {
        for (int b = 0; b < Count; b++)
        {
            int start = b * BatchSize;
            int size = Math.Min(BatchSize, order.Length - start);
            Tensor x = Dataset.GatherRows(Dataset.Features, order.AsSpan(start, size));
            yield return (draws is null ? x : Augmentation!.Apply(x, draws), Dataset.GatherRows(Dataset.Labels, order.AsSpan(start, size)));
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 33)) * 0xFF51AFD7ED558CCDUL;
        z = (z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return z ^ (z >> 33);
    }
}

using ChainRule.Data;

namespace ChainRule.Tests.Data;

public class DataLoaderTests
{
    // Recorded from this implementation (seed 2024, 10 rows): a regression guard, not an independent oracle.
    private static readonly int[] GoldenEpoch0 = [7, 4, 8, 1, 0, 5, 2, 6, 3, 9];

    private static readonly int[] GoldenEpoch1 = [5, 9, 6, 3, 8, 0, 7, 2, 4, 1];

    [Fact]
    public void Batches_have_the_batch_shape_and_the_last_partial_batch_is_kept()
    {
        var loader = new DataLoader(DatasetTests.Numbered(10), batchSize: 4);

        var batches = loader.ToList();

        Assert.Equal(3, loader.Count);
        Assert.Equal(3, batches.Count);
        Assert.Equal([new Shape(4, 2), new Shape(4, 2), new Shape(2, 2)], batches.Select(b => b.X.Shape));
        Assert.Equal([new Shape(4), new Shape(4), new Shape(2)], batches.Select(b => b.Y.Shape));
    }

    [Fact]
    public void DropLast_drops_the_partial_batch()
    {
        var loader = new DataLoader(DatasetTests.Numbered(10), batchSize: 4, shuffle: true, seed: 3, dropLast: true);

        var batches = loader.ToList();

        Assert.Equal(2, loader.Count);
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Equal(new Shape(4, 2), b.X.Shape));
        Assert.Equal(8, batches.SelectMany(b => DatasetTests.RowIds(b.X)).Distinct().Count());
    }

    [Fact]
    public void Without_shuffle_every_epoch_keeps_the_data_set_order()
    {
        var loader = new DataLoader(DatasetTests.Numbered(10), batchSize: 3);

        Assert.Equal(Enumerable.Range(0, 10), Order(loader));
        Assert.Equal(Enumerable.Range(0, 10), Order(loader));
    }

    [Fact]
    public void Shuffled_epoch_visits_every_sample_exactly_once_with_its_own_label()
    {
        var loader = new DataLoader(DatasetTests.Numbered(103), batchSize: 8, shuffle: true, seed: 11);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            var batches = loader.ToList();
            int[] ids = [.. batches.SelectMany(b => DatasetTests.RowIds(b.X))];
            long[] labels = [.. batches.SelectMany(b => b.Y.ToArray<long>())];

            Assert.Equal(Enumerable.Range(0, 103), ids.Order());
            Assert.NotEqual(Enumerable.Range(0, 103), ids);
            Assert.Equal(DType.Int64, batches[0].Y.DType);
            Assert.Equal(ids.Select(i => (long)(i % 3)), labels); // X and Y rows stay paired
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_order_and_epochs_differ()
    {
        var a = new DataLoader(DatasetTests.Numbered(50), batchSize: 7, shuffle: true, seed: 42);
        var b = new DataLoader(DatasetTests.Numbered(50), batchSize: 7, shuffle: true, seed: 42);
        var c = new DataLoader(DatasetTests.Numbered(50), batchSize: 7, shuffle: true, seed: 43);

        int[] a0 = Order(a), a1 = Order(a);
        int[] b0 = Order(b), b1 = Order(b);

        Assert.Equal(a0, b0);
        Assert.Equal(a1, b1);
        Assert.NotEqual(a0, a1);
        Assert.NotEqual(a0, Order(c));
        Assert.Equal(a1, Ids(a.Batches(1))); // foreach number e is Batches(e)
        Assert.Equal(a0, Ids(a.Batches(0)));
    }

    [Fact]
    public void Shuffle_order_is_pinned_for_a_seed()
    {
        // The order is defined by the seed alone (Generator is xoshiro256**), so it never changes between
        // machines or versions; a change here breaks the reproducibility of every recorded run.
        var loader = new DataLoader(DatasetTests.Numbered(10), batchSize: 10, shuffle: true, seed: 2024);

        Assert.Equal(GoldenEpoch0, Ids(loader.Batches(0)));
        Assert.Equal(GoldenEpoch1, Ids(loader.Batches(1)));
    }

    [Fact]
    public void Batches_are_new_tensors_that_a_caller_may_change_or_keep()
    {
        Dataset d = DatasetTests.Numbered(4);
        var loader = new DataLoader(d, batchSize: 2);

        (Tensor x, Tensor y) = loader.First();
        x.Fill(-1);
        y.Fill(-1);

        Assert.Equal([0f, 0, 1, 10], d.Features.Slice(0, 0, 2).ToArray());
        Assert.Equal([0L, 1], d.Labels.Slice(0, 0, 2).ToArray<long>());
        Variable input = loader.First().X; // a batch enters a graph as a constant
        Assert.False(input.RequiresGrad);
    }

    [Fact]
    public void Regression_targets_of_shape_n_by_k_are_batched_by_row()
    {
        var d = new Dataset("r", Tensor.Arange(6).Reshape(6, 1), Tensor.Arange(12).Reshape(6, 2));
        var loader = new DataLoader(d, batchSize: 4, shuffle: true, seed: 9);

        foreach ((Tensor x, Tensor y) in loader)
        {
            float[] ids = x.ToArray(), targets = y.ToArray();
            Assert.Equal(new Shape(ids.Length, 2), y.Shape);
            Assert.Equal(ids.SelectMany(i => new[] { 2 * i, (2 * i) + 1 }), targets);
        }
    }

    [Fact]
    public void Constructor_rejects_a_batch_size_below_one() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(DatasetTests.Numbered(3), batchSize: 0));

    // One epoch's order of row ids (the next foreach over the loader).
    private static int[] Order(DataLoader loader) => Ids(loader);

    private static int[] Ids(IEnumerable<(Tensor X, Tensor Y)> batches) => [.. batches.SelectMany(b => DatasetTests.RowIds(b.X))];
}

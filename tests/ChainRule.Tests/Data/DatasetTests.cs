using ChainRule.Data;

namespace ChainRule.Tests.Data;

public class DatasetTests
{
    // n rows; feature row i is [i, 10 i] so a row can be recognised after a copy; label i % classes.
    internal static Dataset Numbered(int n, int classes = 3)
    {
        var features = new float[n * 2];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            features[2 * i] = i;
            features[(2 * i) + 1] = 10 * i;
            labels[i] = i % classes;
        }
        string[] names = [.. Enumerable.Range(0, classes).Select(c => $"class {c}")];
        return new Dataset("numbered", Tensor.FromArray(features, [n, 2]), Tensor.FromArray(labels), names);
    }

    // The row ids of a features tensor built by Numbered (column 0).
    internal static int[] RowIds(Tensor features) => [.. features.Select(1, 0).ToArray().Select(v => (int)v)];

    [Fact]
    public void Dataset_ExposesCountClassesAndShapes()
    {
        Dataset d = Numbered(7);

        Assert.Equal(7, d.Count);
        Assert.True(d.IsClassification);
        Assert.Equal(["class 0", "class 1", "class 2"], d.ClassNames);
        Assert.Equal(new Shape(7, 2), d.Features.Shape);
        Assert.Equal("numbered: 7 samples, features (7, 2), 3 classes", d.ToString());

        var regression = new Dataset("r", Tensor.Zeros([4, 3]), Tensor.Zeros([4, 2]));
        Assert.False(regression.IsClassification);
        Assert.Null(regression.ClassNames);
    }

    [Fact]
    public void Dataset_ThrowsForMismatchedRowsOrBadClassLabels_NamingTheProblem()
    {
        var rows = Assert.Throws<ArgumentException>(() => new Dataset("d", Tensor.Zeros([4, 3]), Tensor.Zeros([5])));
        Assert.Contains("(4, 3)", rows.Message, StringComparison.Ordinal);
        Assert.Contains("(5,)", rows.Message, StringComparison.Ordinal);

        var label = Assert.Throws<ArgumentException>(() => new Dataset("d", Tensor.Zeros([3, 1]), Tensor.FromArray(0L, 2L, 1L), ["a", "b"]));
        Assert.Contains("label 2 of row 1", label.Message, StringComparison.Ordinal);
        var floats = Assert.Throws<ArgumentException>(() => new Dataset("d", Tensor.Zeros([2, 1]), Tensor.FromArray(0f, 1f), ["a", "b"]));
        Assert.Contains("classification labels must be integer class indices (Int64), got float32", floats.Message);
        Assert.Throws<ArgumentException>(() => new Dataset("d", Tensor.Zeros([2, 1]), Tensor.Zeros([2, 1]), ["a", "b"]));
    }

    [Fact]
    public void Subset_and_Take_select_rows()
    {
        Dataset d = Numbered(10);

        Dataset sub = d.Subset(3, 4);
        Dataset taken = d.Take([9, 0, 9, 4]);

        Assert.Equal([3, 4, 5, 6], RowIds(sub.Features));
        Assert.Equal([0L, 1, 2, 0], sub.Labels.ToArray<long>());
        Assert.Equal([9, 0, 9, 4], RowIds(taken.Features));
        Assert.Equal([90f, 0, 90, 40], taken.Features.Select(1, 1).ToArray());
        Assert.Equal([0L, 0, 0, 1], taken.Labels.ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Take([10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Subset(8, 3));
    }

    [Fact]
    public void Split_is_stratified_deterministic_and_a_partition()
    {
        // Class c has 10 (c + 1) rows: 10, 20, 30. A 20 % split puts 2, 4, 6 of them in test.
        int[] classOf = [.. Enumerable.Range(0, 3).SelectMany(c => Enumerable.Repeat(c, 10 * (c + 1)))];
        var features = Tensor.FromArray([.. Enumerable.Range(0, 60).Select(i => (float)i)], [60, 1]);
        var d = new Dataset("s", features, Tensor.FromArray([.. classOf.Select(c => (long)c)]), ["a", "b", "c"]);

        (Dataset train, Dataset test) = d.Split(0.2, seed: 5);
        (Dataset train2, Dataset test2) = d.Split(0.2, seed: 5);
        (_, Dataset test3) = d.Split(0.2, seed: 6);

        Assert.Equal([2, 4, 6], ClassCounts(test, 3));
        Assert.Equal([8, 16, 24], ClassCounts(train, 3));
        int[] trainIds = RowIds(train.Features), testIds = RowIds(test.Features);
        Assert.Equal(Enumerable.Range(0, 60), trainIds.Concat(testIds).Order());
        Assert.Equal(trainIds.Order(), trainIds); // original order kept
        Assert.Equal(testIds, RowIds(test2.Features));
        Assert.Equal(trainIds, RowIds(train2.Features));
        Assert.NotEqual(testIds, RowIds(test3.Features));
        Assert.Equal("s-train", train.Name);
        Assert.Equal("s-test", test.Name);
    }

    [Fact]
    public void Split_of_regression_data_takes_the_rounded_fraction()
    {
        var d = new Dataset("r", Tensor.Arange(25).Reshape(25, 1), Tensor.Arange(25));

        (Dataset train, Dataset test) = d.Split(0.3, seed: 1);

        Assert.Equal(8, test.Count); // round(7.5) = 8, midpoint away from zero
        Assert.Equal(17, train.Count);
        Assert.Equal(test.Features.ToArray(), test.Labels.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Split(1.5, seed: 1));
    }

    internal static int[] ClassCounts(Dataset d, int classes)
    {
        var counts = new int[classes];
        foreach (long label in d.Labels.ToArray<long>())
        {
            counts[label]++;
        }
        return counts;
    }
}

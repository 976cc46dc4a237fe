namespace ChainRule.Data;

/// <summary>
/// A labelled data set held as two tensors with the same first dimension n (one row per sample):
/// <see cref="Features"/> of shape (n, ...) and <see cref="Labels"/>, which is either
/// (n) Int64 class indices 0..C-1 (classification: <see cref="ClassNames"/> has C entries)
/// or (n) / (n, k) real targets (regression: <see cref="ClassNames"/> is null).
/// </summary>
/// <remarks>
/// Immutable by convention: the loaders build float32 tensors that nothing else holds, and the helpers
/// here return new data sets. Both tensors are stored contiguous, so a row is one span.
/// </remarks>
public sealed class Dataset
{
    /// <summary>Creates a data set; pass <paramref name="classNames"/> for classification.</summary>
    /// <exception cref="ArgumentException">The shapes disagree, or a classification label is not an integer in
    /// [0, classNames.Count) (the message names the row and the value).</exception>
    public Dataset(string name, Tensor features, Tensor labels, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Rank == 0 || labels.Rank is 0 or > 2 || features.Shape[0] != labels.Shape[0])
        {
            throw new ArgumentException($"{name}: features {features.Shape} and labels {labels.Shape} must be (n, ...) and (n) or (n, k).");
        }
        if (classNames is not null)
        {
            if (labels.Rank != 1)
            {
                throw new ArgumentException($"{name}: classification labels must be (n) class indices, got {labels.Shape}.", nameof(labels));
            }
            if (!labels.DType.IsInteger())
            {
                throw new ArgumentException($"{name}: classification labels must be integer class indices (Int64), got {labels.DType.Name()}; convert with .To(DType.Int64).", nameof(labels));
            }
            labels = labels.To(DType.Int64);
            long[] values = labels.ToArray<long>();
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] < 0 || values[i] >= classNames.Count)
                {
                    throw new ArgumentException($"{name}: label {values[i]} of row {i} is not a class index in [0, {classNames.Count}).", nameof(labels));
                }
            }
        }
        Name = name;
        Features = features.Contiguous();
        Labels = labels.Contiguous();
        ClassNames = classNames?.ToArray();
    }

    /// <summary>A short name for messages, e.g. "digits-train".</summary>
    public string Name { get; }

    /// <summary>(n, ...): one row per sample; float32 from every loader in ChainRule.Data.</summary>
    public Tensor Features { get; }

    /// <summary>(n) Int64 class indices, or (n) / (n, k) floating-point regression targets.</summary>
    public Tensor Labels { get; }

    /// <summary>The name of each class, by index; null for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    public bool IsClassification => ClassNames is not null;

    /// <summary>The number of samples, n.</summary>
    public int Count => Features.Shape[0];

    /// <summary>Rows start .. start + count - 1, as views that share storage with this data set (no copy).</summary>
    public Dataset Subset(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Count - count);
        return new Dataset(Name, Features.Slice(0, start, start + count), Labels.Slice(0, start, start + count), ClassNames);
    }

    /// <summary>The rows at <paramref name="indices"/>, in that order, copied into new tensors.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, Count).</exception>
    public Dataset Take(ReadOnlySpan<int> indices) =>
        new(Name, GatherRows(Features, indices), GatherRows(Labels, indices), ClassNames);

    /// <summary>
    /// A deterministic train/test split: the same seed gives the same split. For classification it is
    /// stratified: from each class, round(count * testFraction) of its rows (chosen by a seeded shuffle) go to
    /// test; for regression, round(n * testFraction) rows do. Both parts keep the original row order.
    /// </summary>
    public (Dataset Train, Dataset Test) Split(double testFraction, ulong seed)
    {
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"test fraction {testFraction} is not in [0, 1].");
        }
        var generator = new Generator(seed);
        var isTest = new bool[Count];
        foreach (List<int> group in Strata())
        {
            int testCount = (int)Math.Round(group.Count * testFraction, MidpointRounding.AwayFromZero);
            int[] order = generator.Permutation(group.Count);
            for (int i = 0; i < testCount; i++)
            {
                isTest[group[order[i]]] = true;
            }
        }
        int[] train = [.. Enumerable.Range(0, Count).Where(i => !isTest[i])];
        int[] test = [.. Enumerable.Range(0, Count).Where(i => isTest[i])];
        return (
            new Dataset($"{Name}-train", GatherRows(Features, train), GatherRows(Labels, train), ClassNames),
            new Dataset($"{Name}-test", GatherRows(Features, test), GatherRows(Labels, test), ClassNames));
    }

    public override string ToString() =>
        $"{Name}: {Count} samples, features {Features.Shape}, "
        + (ClassNames is null ? $"regression targets {Labels.Shape}" : $"{ClassNames.Count} classes");

    /// <summary>A new tensor of shape (rows.Length, ...) holding the given rows of <paramref name="source"/> (n, ...).</summary>
    internal static Tensor GatherRows(Tensor source, ReadOnlySpan<int> rows)
    {
        Tensor result = Tensor.Uninitialized(new Shape([rows.Length, .. source.Shape.Dims[1..]]), source.DType); // every row is copied in
        Tensor x = source.Contiguous();
        switch (source.DType.ElementSize())
        {
            case 4: CopyRows<int>(x.AsBits<int>(), rows, source.Shape[0], result.AsBits<int>()); break;
            case 8: CopyRows<long>(x.AsBits<long>(), rows, source.Shape[0], result.AsBits<long>()); break;
            default: CopyRows<byte>(x.AsBits<byte>(), rows, source.Shape[0], result.AsBits<byte>()); break;
        }
        return result;
    }

    // source: (n, rowSize) flattened; destination: (rows.Length, rowSize) flattened.
    private static void CopyRows<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> rows, int n, Span<T> destination)
    {
        int rowSize = n == 0 ? 0 : source.Length / n;
        for (int i = 0; i < rows.Length; i++)
        {
            int row = rows[i];
            if ((uint)row >= (uint)n)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"row index {row} (position {i}) is outside [0, {n}).");
            }
            source.Slice(row * rowSize, rowSize).CopyTo(destination.Slice(i * rowSize, rowSize));
        }
    }

    // The groups a stratified split samples from: the rows of each class, or all rows for regression.
    private IEnumerable<List<int>> Strata()
    {
        if (ClassNames is null)
        {
            return [[.. Enumerable.Range(0, Count)]];
        }
        var groups = new List<int>[ClassNames.Count];
        for (int c = 0; c < groups.Length; c++)
        {
            groups[c] = [];
        }
        long[] labels = Labels.ToArray<long>();
        for (int i = 0; i < labels.Length; i++)
        {
            groups[labels[i]].Add(i);
        }
        return groups;
    }
}

namespace ChainRule.Training;

/// <summary>
/// Counts of (true class, predicted class) pairs, and the scores derived from them: accuracy, and per class
/// precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 P R / (P + R) (0 where undefined).
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Classes = classes;
        _counts = new long[classes, classes];
    }

    public int Classes { get; }

    /// <summary>How many examples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[actual, predicted];

    public long Total { get; private set; }

    /// <summary>Adds a batch: labels (batch) and predicted classes (batch), both integer tensors (Int64 from ArgMax and the loaders).</summary>
    public void Add(Tensor labels, Tensor predicted)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predicted);
        if (!labels.DType.IsInteger() || !predicted.DType.IsInteger())
        {
            throw new ArgumentException($"confusion matrix: labels and predictions must be integer class indices, got {labels.DType.Name()} and {predicted.DType.Name()}.");
        }
        long[] y = labels.To(DType.Int64).ToArray<long>(), p = predicted.To(DType.Int64).ToArray<long>();
        if (y.Length != p.Length)
        {
            throw new ArgumentException($"confusion matrix: {y.Length} labels but {p.Length} predictions.");
        }
        for (int i = 0; i < y.Length; i++)
        {
            if ((ulong)y[i] >= (ulong)Classes || (ulong)p[i] >= (ulong)Classes)
            {
                throw new ArgumentException($"confusion matrix: label {y[i]} or prediction {p[i]} at position {i} is not a class in [0, {Classes}).");
            }
            _counts[y[i], p[i]]++;
        }
        Total += y.Length;
    }

    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < Classes; c++)
            {
                correct += _counts[c, c];
            }
            return Total == 0 ? 0 : (double)correct / Total;
        }
    }

    public double Precision(int c) => Ratio(_counts[c, c], Column(c));

    public double Recall(int c) => Ratio(_counts[c, c], Row(c));

    public double F1(int c)
    {
        double p = Precision(c), r = Recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>Examples whose true class is c.</summary>
    public long Row(int c)
    {
        long sum = 0;
        for (int j = 0; j < Classes; j++)
        {
            sum += _counts[c, j];
        }
        return sum;
    }

    /// <summary>Examples predicted as class c.</summary>
    public long Column(int c)
    {
        long sum = 0;
        for (int i = 0; i < Classes; i++)
        {
            sum += _counts[i, c];
        }
        return sum;
    }

    private static double Ratio(long a, long b) => b == 0 ? 0 : (double)a / b;
}

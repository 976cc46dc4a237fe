namespace ChainRule.Bench.Workloads;

/// <summary>
/// C (m x n) = op(A) op(B), row-major. op(A) is (m x k): A is stored (m x k), or (k x m) when
/// TransA. op(B) is (k x n): B is stored (k x n), or (n x k) when TransB.
/// </summary>
public sealed record GemmShape(string Name, int M, int N, int K, bool TransA = false, bool TransB = false)
{
    // NOTE: declared before All, which reads it; static initializers run in textual order.
    /// <summary>
    /// The products of Linear(784, 256) at batch 64, with x (64, 784), W (784, 256), gy (64, 256):
    /// forward y = x W, weight gradient gW = x^T gy, input gradient gx = gy W^T.
    /// </summary>
    public static IReadOnlyList<GemmShape> MlpShapes { get; } =
    [
        new("64x784 * 784x256 (x W)", 64, 256, 784),
        new("784x64 * 64x256 (x^T gy)", 784, 256, 64, TransA: true),
        new("64x256 * 256x784 (gy W^T)", 64, 784, 256, TransB: true),
    ];

    /// <summary>Square sizes, then the MLP shapes.</summary>
    public static IReadOnlyList<GemmShape> All { get; } =
    [
        Square(128), Square(256), Square(512), Square(1024), Square(2048),
        .. MlpShapes,
    ];

    public double Flops => 2.0 * M * N * K;

    public int ALength => M * K;

    public int BLength => K * N;

    /// <summary>Element (i, p) of op(A), read from A's storage.</summary>
    public float OpA(float[] a, int i, int p) => TransA ? a[p * M + i] : a[i * K + p];

    /// <summary>Element (p, j) of op(B), read from B's storage.</summary>
    public float OpB(float[] b, int p, int j) => TransB ? b[j * K + p] : b[p * N + j];

    public override string ToString() => Name;

    private static GemmShape Square(int size) => new($"{size}^3", size, size, size);
}

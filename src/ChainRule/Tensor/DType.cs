namespace ChainRule;

/// <summary>Element type of a <see cref="Tensor"/>.</summary>
/// <remarks>
/// Promotion rule (one rule, everywhere): an operation on a Float32 and a Float64 tensor computes and
/// returns Float64. C# scalars (<c>x * 2.0</c>) never promote: they take the tensor's type, as in PyTorch.
/// Index-valued results (ArgMax, labels) are stored as exact integers in the float type.
/// </remarks>
public enum DType
{
    Float32,
    Float64,
}

internal static class DTypes
{
    public static DType Promote(DType a, DType b) => a == DType.Float64 || b == DType.Float64 ? DType.Float64 : DType.Float32;

    public static string Name(this DType dtype) => dtype == DType.Float32 ? "float32" : "float64";

    public static int ElementSize(this DType dtype) => dtype == DType.Float32 ? 4 : 8;

    public static DType Of<T>() => typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : throw new NotSupportedException($"ChainRule tensors hold float or double, not {typeof(T).Name}.");
}

using System.Numerics;
using ChainRule.Kernels;

namespace ChainRule;

// Matrix product with NumPy's matmul semantics:
//   (k) @ (k) -> ()                 1-d @ 1-d is the dot product
//   (m, k) @ (k) -> (m)             a 1-d operand is a matrix with its missing axis removed afterwards
//   (..., m, k) @ (..., k, n) -> (..., m, n), batch axes broadcast
// Transposed views are never copied: a matrix whose columns are contiguous goes to GEMM as op(X) = X^T.
public sealed partial class Tensor
{
    /// <exception cref="ArgumentException">A scalar operand, or inner dimensions that differ (the message names both shapes).</exception>
    public static Tensor MatMul(Tensor a, Tensor b) => MatMul(a, b, output: null);

    /// <summary>
    /// a @ b written into <paramref name="output"/> (PyTorch's <c>torch.matmul(a, b, out=output)</c>), which is
    /// returned: a loop that multiplies matrices of one size reuses one result instead of asking for fresh memory
    /// each time. The output must be contiguous, of the product's shape and dtype, and share no memory with a or b.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="MatMul(Tensor, Tensor)"/>, or an output of another shape or dtype, not contiguous, or overlapping an operand.</exception>
    public static Tensor MatMul(Tensor a, Tensor b, Tensor? output)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        Shape shape = MatMulShape(a.Shape, b.Shape);
        Tensor a2 = a.Rank == 1 ? a.Unsqueeze(0) : a; // (k) -> (1, k)
        Tensor b2 = b.Rank == 1 ? b.Unsqueeze(1) : b; // (k) -> (k, 1)
        int m = a2.Shape[-2], k = a2.Shape[-1], n = b2.Shape[-1];
        Shape batch = Shape.Broadcast(BatchShape(a2), BatchShape(b2), "matmul");
        DType dtype = FloatingOnly(DTypes.Promote(a.DType, b.DType), a, b, "matmul");
        if (output is not null)
        {
            CheckMatMulOutput(a, b, output, shape, dtype);
        }
        a2 = a2.To(dtype);
        b2 = b2.To(dtype);

        // GEMM overwrites C (accumulate: false)
        Tensor result = output?.Reshape([.. batch.Dims, m, n]) ?? Uninitialized(new Shape([.. batch.Dims, m, n]), dtype);
        if (a2.Size == 0 || b2.Size == 0)
        {
            // Nothing to multiply: the result is empty, or (k = 0) each element is an empty sum. NOTE: no GEMM call,
            // since the batch strides of an empty view (a permuted (0, b, k), say) can point past its buffer.
            result.Fill(0);
        }
        else if (dtype == DType.Float32)
        {
            BatchedGemm<float>(a2, b2, batch, m, n, k, result);
        }
        else
        {
            BatchedGemm<double>(a2, b2, batch, m, n, k, result);
        }
        // NOTE: the result itself unless a 1-d operand's axis goes: a view would not own its buffer, and the engine
        // recycles only owned gradient buffers (a weight gradient is a product)
        return output ?? (result.Shape == shape ? result : result.Reshape(shape));
    }

    private static void CheckMatMulOutput(Tensor a, Tensor b, Tensor output, Shape shape, DType dtype)
    {
        string what = $"matmul: {a.Shape} @ {b.Shape} into an output {output.Shape} {output.DType.Name()}";
        if (output.Shape != shape || output.DType != dtype)
        {
            throw new ArgumentException($"{what}: the product is {shape} {dtype.Name()}.", nameof(output));
        }
        if (!output.IsContiguous)
        {
            throw new ArgumentException($"{what}: the output must be contiguous (strides {Shape.Format(output.Strides)}).", nameof(output));
        }
        if (SameBuffer(output, a) || SameBuffer(output, b))
        {
            throw new ArgumentException($"{what}: the output shares memory with an operand; GEMM would overwrite what it reads.", nameof(output));
        }
    }

    /// <summary>
    /// y = x w^T + b for x (batch, in), w (out, in), b (out) or null, as one GEMM: the bias is copied into
    /// every row of y first and the product accumulated onto it (no second pass, no second tensor).
    /// </summary>
    internal static Tensor Linear(Tensor x, Tensor w, Tensor? b)
    {
        DType dtype = FloatingOnly(DTypes.Promote(DTypes.Promote(x.DType, w.DType), b?.DType ?? x.DType), x, w, "linear");
        x = x.To(dtype);
        w = w.To(dtype);
        Tensor y = Uninitialized(new Shape(x.Shape[0], w.Shape[0]), dtype);
        if (b is not null)
        {
            y.CopyFrom(b.BroadcastTo(y.Shape));
        }
        if (dtype == DType.Float32)
        {
            MatMulInto<float>(x, w.Transpose(), y, accumulate: b is not null);
        }
        else
        {
            MatMulInto<double>(x, w.Transpose(), y, accumulate: b is not null);
        }
        return y;
    }

    // c (m, n) = a (m, k) @ b (k, n) [+ c], 2-d, c contiguous.
    private static void MatMulInto<T>(Tensor a, Tensor b, Tensor c, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        a = AsGemmOperand(a, out bool transA, out int lda);
        b = AsGemmOperand(b, out bool transB, out int ldb);
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        Gemm.Multiply<T>(
            ((T[])a.Buffer).AsSpan(a.Offset), lda, transA,
            ((T[])b.Buffer).AsSpan(b.Offset), ldb, transB,
            m, n, k, accumulate, c.AsSpan<T>(), n);
    }

    /// <summary>The shape of a @ b, or an error naming both shapes.</summary>
    internal static Shape MatMulShape(Shape a, Shape b)
    {
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw new ArgumentException($"matmul: {a} @ {b}: both operands need at least one dimension; use multiply for scalars.");
        }
        int k = a[-1];
        int kb = b.Rank == 1 ? b[0] : b[-2];
        if (k != kb)
        {
            throw new ArgumentException($"matmul: {a} @ {b}: inner dimensions {k} and {kb} differ.");
        }
        Shape batchA = new(a.Rank > 2 ? a.Dims[..^2] : []);
        Shape batchB = new(b.Rank > 2 ? b.Dims[..^2] : []);
        Shape batch = Shape.Broadcast(batchA, batchB, $"matmul: {a} @ {b}: batch axes");
        var dims = new List<int>(batch.Dims.ToArray());
        if (a.Rank >= 2)
        {
            dims.Add(a[-2]);
        }
        if (b.Rank >= 2)
        {
            dims.Add(b[-1]);
        }
        return new Shape([.. dims]);
    }

    private static Shape BatchShape(Tensor t) => new(t.Shape.Dims[..^2]);

    private static void BatchedGemm<T>(Tensor a, Tensor b, Shape batch, int m, int n, int k, Tensor c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        a = AsGemmOperand(a, out bool transA, out int lda);
        b = AsGemmOperand(b, out bool transB, out int ldb);
        int rank = batch.Rank;
        var aStrides = new int[rank];
        var bStrides = new int[rank];
        new Tensor(a.Buffer, a.Offset, BatchShape(a), a._strides[..^2], a.DType).BroadcastStrides(batch, aStrides);
        new Tensor(b.Buffer, b.Offset, BatchShape(b), b._strides[..^2], b.DType).BroadcastStrides(batch, bStrides);

        T[] aData = (T[])a.Buffer, bData = (T[])b.Buffer;
        Span<T> cData = c.AsSpan<T>();
        var index = new int[rank];
        for (int batchIndex = 0; batchIndex < batch.Size; batchIndex++)
        {
            int aOffset = a.Offset, bOffset = b.Offset;
            for (int i = 0; i < rank; i++)
            {
                aOffset += index[i] * aStrides[i];
                bOffset += index[i] * bStrides[i];
            }
            Gemm.Multiply<T>(
                aData.AsSpan(aOffset), lda, transA,
                bData.AsSpan(bOffset), ldb, transB,
                m, n, k, accumulate: false, cData.Slice(batchIndex * m * n, m * n), n);
            for (int i = rank - 1; i >= 0 && ++index[i] == batch.Dims[i]; i--)
            {
                index[i] = 0;
            }
        }
    }

    /// <summary>
    /// How GEMM should read the last two axes (rows, cols) of t: row-major (trans = false, ld = row stride),
    /// column-major (trans = true: t is the transpose of a row-major (cols, rows) matrix), or neither,
    /// in which case it returns a contiguous copy.
    /// </summary>
    private static Tensor AsGemmOperand(Tensor t, out bool trans, out int ld)
    {
        int rows = t.Shape[-2], cols = t.Shape[-1];
        int rowStride = t.Strides[^2], colStride = t.Strides[^1];
        if ((colStride == 1 || cols == 1) && (rows == 1 || rowStride >= cols))
        {
            trans = false;
            ld = rows == 1 ? cols : rowStride;
            return t;
        }
        if ((rowStride == 1 || rows == 1) && cols > 1 && colStride >= rows)
        {
            trans = true;
            ld = colStride;
            return t;
        }
        trans = false;
        ld = cols;
        return t.Contiguous();
    }

    private static DType FloatingOnly(DType dtype, Tensor a, Tensor b, string op) => dtype.IsFloatingPoint() ? dtype
        : throw new ArgumentException($"{op}: {a.DType.Name()} and {b.DType.Name()} are not supported; matrix products are floating point: convert with .To(DType.Float32).");
}

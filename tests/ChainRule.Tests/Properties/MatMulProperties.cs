using CsCheck;

namespace ChainRule.Tests.Properties;

// MatMul with NumPy's semantics on random shapes: vector @ vector, matrix @ vector, vector @ matrix and
// batched products whose batch axes broadcast (rank 0-3, size-1 and missing axes), m, n, k from 0 to 6,
// float32 and float64 operands in random layouts (transposed and sliced views reach GEMM as they are),
// against the triple loop in double. Tolerance per element: 4 (k + 1) eps sum_p |a_ip b_pj|, the forward
// error bound of a dot product in any order (as in Kernels/GemmTests), plus (k + 1) of the smallest
// subnormal for products that underflow.
public class MatMulProperties
{
    private static readonly Gen<int> s_dim = Gen.Frequency((1, Gen.Const(0)), (8, Gen.Int[1, 6]));

    [Fact]
    public void MatMul_matches_the_triple_loop_with_broadcast_batch_axes_and_vector_operands()
    {
        Gen<(Input, Input)> gen =
            from batch in Gens.Shape(3, 1, 3)
            from batchA in Gens.OperandOf(batch)
            from batchB in Gens.OperandOf(batch)
            from m in s_dim
            from n in s_dim
            from k in s_dim
            from vectorA in Gen.Int[0, 3].Select(i => i == 0)
            from vectorB in Gen.Int[0, 3].Select(i => i == 0)
            from dtypeA in Gen.OneOf(DType.Float32, DType.Float64)
            from dtypeB in Gen.OneOf(DType.Float32, DType.Float64)
            from a in Gens.InputOf(vectorA ? [k] : [.. batchA, m, k], dtypeA, Gens.ValueOf(dtypeA))
            from b in Gens.InputOf(vectorB ? [k] : [.. batchB, k, n], dtypeB, Gens.ValueOf(dtypeB))
            select (a, b);

        gen.Sample((a, b) =>
        {
            Tensor c = Tensor.MatMul(a.Build(), b.Build());

            bool vectorA = a.Shape.Length == 1, vectorB = b.Shape.Length == 1;
            int k = a.Shape[^1];
            int m = vectorA ? 1 : a.Shape[^2];
            int n = vectorB ? 1 : b.Shape[^1];
            int[] batchA = vectorA ? [] : a.Shape[..^2];
            int[] batchB = vectorB ? [] : b.Shape[..^2];
            int[] batch = Naive.BroadcastShape(batchA, batchB)!;
            int[] shape = [.. batch, .. vectorA ? Array.Empty<int>() : [m], .. vectorB ? Array.Empty<int>() : [n]];
            DType dtype = a.DType == DType.Float64 || b.DType == DType.Float64 ? DType.Float64 : DType.Float32;
            double eps = dtype == DType.Float64 ? Math.Pow(2, -52) : Math.Pow(2, -23);
            double tiny = dtype == DType.Float64 ? double.Epsilon : float.Epsilon; // the smallest subnormal: products of tiny values underflow

            Assert.Equal(shape, c.Shape.ToArray());
            Assert.Equal(dtype, c.DType);
            double[] actual = c.ToDoubleArray();
            int cell = 0;
            foreach (int[] bi in Naive.Indices(batch))
            {
                int aBase = Naive.BroadcastOffset(bi, batchA) * m * k;
                int bBase = Naive.BroadcastOffset(bi, batchB) * k * n;
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++, cell++)
                    {
                        double sum = 0, magnitude = 0;
                        for (int p = 0; p < k; p++)
                        {
                            double term = a.Values[aBase + (i * k) + p] * b.Values[bBase + (p * n) + j];
                            sum += term;
                            magnitude += Math.Abs(term);
                        }
                        double slack = (4 * (k + 1) * eps * magnitude) + ((k + 1) * tiny);
                        Assert.True(Math.Abs(actual[cell] - sum) <= slack, $"element {cell} (batch {Naive.Format(bi)}, {i}, {j}): expected {sum}, got {actual[cell]}");
                    }
                }
            }
            Assert.Equal(cell, actual.Length);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void MatMul_refuses_mismatched_inner_or_batch_dimensions_scalars_and_integers_naming_the_shapes()
    {
        Gen<(int, int[], int[])> gen =
            from kind in Gen.Int[0, 3]
            from batches in Gens.ClashingPair
            from m in Gen.Int[1, 4]
            from n in Gen.Int[1, 4]
            from k in Gen.Int[1, 4]
            from other in Gen.Int[1, 4].Where(o => o != k)
            from scalarFirst in Gen.Bool
            select kind switch
            {
                0 => (kind, (int[])[.. batches.A, m, k], (int[])[other]),                       // inner: k against other
                1 => (kind, [.. batches.A, m, k], [.. batches.B, k, n]),                          // batch axes that clash
                2 => (kind, scalarFirst ? [] : [k], scalarFirst ? [k] : []),                      // a 0-d operand
                _ => (kind, [m, k], [k, n]),                                                      // int32 operands
            };

        gen.Sample((kind, a, b) =>
        {
            DType dtype = kind == 3 ? DType.Int32 : DType.Float32;
            Tensor x = Tensor.Zeros(a, dtype), y = Tensor.Zeros(b, dtype);

            var e = Assert.Throws<ArgumentException>(() => Tensor.MatMul(x, y));
            string expected = kind switch
            {
                0 => $"matmul: {Naive.Format(a)} @ {Naive.Format(b)}: inner dimensions {a[^1]} and {b[0]} differ",
                1 => $"matmul: {Naive.Format(a)} @ {Naive.Format(b)}: batch axes: shapes {Naive.Format(a[..^2])} and {Naive.Format(b[..^2])} cannot be broadcast",
                2 => $"matmul: {Naive.Format(a)} @ {Naive.Format(b)}: both operands need at least one dimension",
                _ => "matrix products are floating point",
            };
            Assert.Contains(expected, e.Message);
        }, iter: Gens.Iterations);
    }
}

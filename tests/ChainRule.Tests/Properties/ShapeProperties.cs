using CsCheck;

namespace ChainRule.Tests.Properties;

// Movement ops on random shapes (rank 0-5, dimensions 0-4), dtypes and layouts: the values they address,
// checked by index arithmetic, and their round trips (permute then the inverse permutation, reshape there
// and back, unsqueeze then squeeze, a contiguous copy) giving back the same shape, strides and values.
public class ShapeProperties
{
    private static readonly Tolerance s_exact = new(0);

    private static Gen<Input> AnyInput { get; } =
        from shape in Gens.Shape(5, 0, 4)
        from dtype in Gen.OneOf(DTypes.All.ToArray())
        from x in Gens.InputOf(shape, dtype, Gens.ValueOf(dtype))
        select x;

    [Fact]
    public void Permute_moves_axes_and_the_inverse_permutation_restores_the_view()
    {
        Gen<(Input, int[], bool[])> gen =
            from x in AnyInput
            from keys in Gen.Int[0, 99].Array[x.Shape.Length]
            from negative in Gen.Bool.Array[x.Shape.Length]
            select (x, Gens.Permutation(keys), negative);

        gen.Sample((x, perm, negative) =>
        {
            int rank = x.Shape.Length;
            Tensor t = x.Build();
            Tensor y = t.Permute([.. perm.Select((p, i) => negative[i] ? p - rank : p)]);

            // Result axis i is input axis perm[i]: result[o] = input[in] with in[perm[i]] = o[i].
            int[] shape = [.. perm.Select(p => x.Shape[p])];
            double[] expected = [.. Naive.Indices(shape).Select(o =>
            {
                var index = new int[rank];
                for (int i = 0; i < rank; i++)
                {
                    index[perm[i]] = o[i];
                }
                return x.Values[Naive.Offset(index, x.Shape)];
            })];
            Assert.Equal(shape, y.Shape.ToArray());
            Assert.Equal([.. perm.Select(p => t.Strides[p])], y.Strides.ToArray()); // a view: no copy
            Assert.Equal(expected, y.ToDoubleArray(), s_exact);

            var inverse = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                inverse[perm[i]] = i;
            }
            Tensor back = y.Permute(inverse);
            Assert.Equal(x.Shape, back.Shape.ToArray());
            Assert.Equal(t.Strides.ToArray(), back.Strides.ToArray());
            Assert.Equal(x.Values, back.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Transpose_reverses_or_swaps_axes_and_twice_is_the_identity()
    {
        Gen<(Input, int, int)> gen =
            from x in AnyInput.Where(x => x.Shape.Length > 0)
            from a in Gen.Int[-x.Shape.Length, x.Shape.Length - 1]
            from b in Gen.Int[-x.Shape.Length, x.Shape.Length - 1]
            select (x, a, b);

        gen.Sample((x, a, b) =>
        {
            int rank = x.Shape.Length;
            Tensor t = x.Build();
            int[] reversed = [.. Enumerable.Range(0, rank).Reverse()];
            int[] swapped = [.. Enumerable.Range(0, rank)];
            (swapped[(a + rank) % rank], swapped[(b + rank) % rank]) = (swapped[(b + rank) % rank], swapped[(a + rank) % rank]);

            Assert.Equal([.. reversed.Select(i => x.Shape[i])], t.Transpose().Shape.ToArray());
            Assert.Equal(t.Permute(reversed).ToDoubleArray(), t.Transpose().ToDoubleArray(), s_exact);
            Assert.Equal([.. swapped.Select(i => x.Shape[i])], t.Transpose(a, b).Shape.ToArray());
            Assert.Equal(t.Permute(swapped).ToDoubleArray(), t.Transpose(a, b).ToDoubleArray(), s_exact);
            Assert.Equal(x.Values, t.Transpose().Transpose().ToDoubleArray(), s_exact);
            Assert.Equal(t.Strides.ToArray(), t.Transpose(a, b).Transpose(b, a).Strides.ToArray());
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Reshape_keeps_row_major_order_and_reshaping_back_restores_the_tensor()
    {
        Gen<(Input, int[], int)> gen =
            from x in AnyInput
            from target in ReshapeOf(x.Shape)
            from inferred in Gen.Int[-3, Math.Max(0, target.Length - 1)] // below 0: no -1
            select (x, target, Naive.Size(x.Shape) > 0 && inferred < target.Length ? inferred : -1);

        gen.Sample((x, target, inferred) =>
        {
            Tensor t = x.Build();
            int[] asked = (int[])target.Clone();
            if (inferred >= 0)
            {
                asked[inferred] = -1;
            }

            Tensor y = t.Reshape(asked);
            Tensor back = y.Reshape(x.Shape);

            Assert.Equal(target, y.Shape.ToArray());
            Assert.Equal(x.Values, y.ToDoubleArray(), s_exact);
            Assert.Equal(x.Shape, back.Shape.ToArray());
            Assert.Equal(x.Values, back.ToDoubleArray(), s_exact);
            Assert.Equal([x.Values.Length], t.Flatten().Shape.ToArray());
            Assert.Equal(x.Values, t.Flatten().ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Reshape_to_a_different_size_throws_naming_both_shapes()
    {
        Gen<(Input, int[])> gen =
            from x in AnyInput
            from target in Gens.Shape(5, 0, 4).Where(s => Naive.Size(s) != Naive.Size(x.Shape))
            select (x, target);

        gen.Sample((x, target) =>
        {
            var e = Assert.Throws<ArgumentException>(() => x.Build().Reshape(target));
            Assert.Contains($"cannot reshape {Naive.Format(x.Shape)} ({x.Values.Length} elements) to {Naive.Format(target)}", e.Message);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Contiguous_and_Clone_copy_the_values_into_row_major_order()
    {
        AnyInput.Sample(x =>
        {
            Tensor t = x.Build();
            Tensor c = t.Contiguous();
            Tensor clone = t.Clone();

            // Contiguous by definition: element n of the row-major order sits n elements after the first.
            bool dense = Naive.Indices(x.Shape).Select((index, n) => index.Select((k, i) => k * t.Strides[i]).Sum() == n).All(b => b);
            if (x.Values.Length > 0)
            {
                Assert.Equal(dense, t.IsContiguous);
            }
            Assert.Equal(t.IsContiguous, ReferenceEquals(c, t));
            foreach (Tensor copy in new[] { c, clone })
            {
                Assert.True(copy.IsContiguous);
                Assert.Equal(x.Shape, copy.Shape.ToArray());
                Assert.Equal(x.DType, copy.DType);
                Assert.Equal(x.Values, copy.ToDoubleArray(), s_exact);
            }
            Assert.Equal(Naive.Strides(x.Shape), clone.Strides.ToArray());

            clone.Fill(1); // a clone owns its elements
            Assert.Equal(x.Values, t.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void CopyFrom_and_Fill_write_every_element_of_a_view_and_nothing_else_in_its_buffer()
    {
        Gen<(Input, Input, double)> gen =
            from x in AnyInput
            from sourceShape in Gens.OperandOf(x.Shape)
            from source in Gens.InputOf(sourceShape, x.DType, Gens.ValueOf(x.DType))
            from fill in Gens.ValueOf(x.DType)
            select (x, source, fill);

        gen.Sample((x, source, fill) =>
        {
            int[] inside = [.. x.Layout.Offsets(x.Shape)];
            Tensor view = x.Build(out Tensor buffer);
            double[] expected = [.. Enumerable.Repeat(x.Garbage, buffer.Size)];

            view.CopyFrom(source.Build().BroadcastTo(x.Shape)); // a broadcast (stride 0) source into a strided destination
            int n = 0;
            foreach (int[] index in Naive.Indices(x.Shape))
            {
                expected[inside[n++]] = source.Values[Naive.BroadcastOffset(index, source.Shape)];
            }
            Assert.Equal(expected, buffer.ToDoubleArray(), s_exact);

            view.Fill(fill);
            foreach (int offset in inside)
            {
                expected[offset] = fill;
            }
            Assert.Equal(expected, buffer.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Unsqueeze_then_Squeeze_is_the_identity_and_Squeeze_drops_every_size_1_axis()
    {
        Gen<(Input, int)> gen =
            from x in AnyInput
            from axis in Gen.Int[-x.Shape.Length - 1, x.Shape.Length]
            select (x, axis);

        gen.Sample((x, axis) =>
        {
            Tensor t = x.Build();
            int at = axis < 0 ? axis + x.Shape.Length + 1 : axis;

            Tensor u = t.Unsqueeze(axis);
            Assert.Equal([.. x.Shape[..at], 1, .. x.Shape[at..]], u.Shape.ToArray());
            Assert.Equal(x.Values, u.ToDoubleArray(), s_exact);
            Tensor back = u.Squeeze(axis);
            Assert.Equal(x.Shape, back.Shape.ToArray());
            Assert.Equal(t.Strides.ToArray(), back.Strides.ToArray());
            Assert.Equal(x.Values, back.ToDoubleArray(), s_exact);

            Tensor squeezed = u.Squeeze();
            Assert.Equal([.. x.Shape.Where(d => d != 1)], squeezed.Shape.ToArray());
            Assert.Equal(x.Values, squeezed.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Slice_selects_what_a_Python_slice_selects()
    {
        Gen<(Input, int, int, int, int)> gen =
            from x in AnyInput.Where(x => x.Shape.Length > 0)
            from axis in Gen.Int[0, x.Shape.Length - 1]
            from start in Gen.Int[-6, 6]
            from end in Gen.Int[-6, 6]
            from step in Gen.Int[1, 3]
            select (x, axis, start, end, step);

        gen.Sample((x, axis, start, end, step) =>
        {
            Tensor s = x.Build().Slice(axis, start, end, step);

            // range(*slice(start, end, step).indices(dim)) in Python
            int dim = x.Shape[axis];
            int first = Math.Clamp(start < 0 ? start + dim : start, 0, dim);
            int stop = Math.Clamp(end < 0 ? end + dim : end, 0, dim);
            int[] kept = [.. Enumerable.Range(0, dim).Where(k => k >= first && k < stop && (k - first) % step == 0)];
            int[] shape = [.. x.Shape.Select((d, i) => i == axis ? kept.Length : d)];
            double[] expected = [.. Naive.Indices(shape).Select(o =>
            {
                int[] index = (int[])o.Clone();
                index[axis] = kept[o[axis]];
                return x.Values[Naive.Offset(index, x.Shape)];
            })];
            Assert.Equal(shape, s.Shape.ToArray());
            Assert.Equal(expected, s.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    // A shape of the same size: the prime factors of the size dealt into 0-5 dimensions (plus 1s), or,
    // for an empty shape, any dimensions with at least one 0.
    private static Gen<int[]> ReshapeOf(int[] shape)
    {
        int size = Naive.Size(shape);
        if (size == 0)
        {
            return from rank in Gen.Int[1, 5]
                   from dims in Gen.Int[0, 4].Array[rank]
                   from zero in Gen.Int[0, rank - 1]
                   select dims.Select((d, i) => i == zero ? 0 : d).ToArray();
        }
        List<int> factors = [];
        for (int n = size, p = 2; n > 1; p++)
        {
            for (; n % p == 0; n /= p)
            {
                factors.Add(p);
            }
        }
        return from rank in Gen.Int[factors.Count == 0 ? 0 : 1, 5]
               from bucket in Gen.Int[0, Math.Max(0, rank - 1)].Array[factors.Count]
               select Enumerable.Range(0, rank).Select(i => factors.Where((_, f) => bucket[f] == i).Aggregate(1, (a, b) => a * b)).ToArray();
    }
}

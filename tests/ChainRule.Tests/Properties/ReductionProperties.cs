using CsCheck;

namespace ChainRule.Tests.Properties;

// Reductions over random axis subsets (given in random order, some as negative axes, or null for all),
// keepDims both ways, on random shapes (rank 0-4, dimensions 0-4 where the reduction allows empty axes)
// and layouts, against a loop that sends each input element to its output cell. Integers, bools and
// max/min/argmax are compared exactly. Float sums are compared within n * eps * sum |x| of the double sum,
// the forward error bound of any summation order.
public class ReductionProperties
{
    private static readonly DType[] s_dtypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.UInt8, DType.Bool];

    private static readonly Tolerance s_exact = new(0);

    // a tensor of rank 0-4 (axes of minDim..4) in any of the dtypes, as a possibly permuted or sliced view, and axes to reduce
    private static Gen<(Input, Axes)> InputsAndAxes(int minDim) =>
        from shape in Gens.Shape(4, minDim, 4)
        from dtype in Gen.OneOf(s_dtypes)
        from x in Gens.InputOf(shape, dtype)
        from axes in AxesOf(shape.Length)
        select (x, axes);

    [Fact]
    public void Sum_and_mean_over_random_axes_match_the_naive_sums()
    {
        Gen<(Input, Axes)> gen = InputsAndAxes(minDim: 0);

        gen.Sample((x, axes) =>
        {
            Tensor t = x.Build();
            bool[] reduced = axes.Reduced(x.Shape.Length);
            int[] shape = ResultShape(x.Shape, reduced, axes.KeepDims);
            (double[] sum, double[] magnitude, int count) = Accumulate(x, reduced, 0, (acc, v) => acc + v);

            Tensor s = t.Sum(axes.List, axes.KeepDims);
            Assert.Equal(shape, s.Shape.ToArray());
            Assert.Equal(x.DType.IsFloatingPoint() ? x.DType : DType.Int64, s.DType);
            AssertClose(sum, magnitude, count, s);

            if (x.DType.IsFloatingPoint())
            {
                Tensor m = t.Mean(axes.List, axes.KeepDims);
                Assert.Equal(shape, m.Shape.ToArray());
                Assert.Equal(x.DType, m.DType);
                AssertClose([.. sum.Select(v => v / count)], [.. magnitude.Select(v => v / count)], count + 1, m);
            }
            else
            {
                Assert.Throws<ArgumentException>(() => t.Mean(axes.List, axes.KeepDims));
            }
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Max_and_min_over_random_axes_match_the_naive_extremes_exactly()
    {
        Gen<(Input, Axes)> gen = InputsAndAxes(minDim: 1);

        gen.Sample((x, axes) =>
        {
            Tensor t = x.Build();
            bool[] reduced = axes.Reduced(x.Shape.Length);
            int[] shape = ResultShape(x.Shape, reduced, axes.KeepDims);

            Tensor max = t.Max(axes.List, axes.KeepDims);
            Tensor min = t.Min(axes.List, axes.KeepDims);

            Assert.Equal(shape, max.Shape.ToArray());
            Assert.Equal(shape, min.Shape.ToArray());
            Assert.Equal(x.DType, max.DType);
            Assert.Equal(x.DType, min.DType);
            Assert.Equal(Accumulate(x, reduced, double.NegativeInfinity, Math.Max).Result, max.ToDoubleArray(), s_exact);
            Assert.Equal(Accumulate(x, reduced, double.PositiveInfinity, Math.Min).Result, min.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void ArgMax_and_ArgMin_give_the_first_extreme_index_along_an_axis_or_in_the_flattened_tensor()
    {
        Gen<(Input, int?, bool)> gen =
            from shape in Gens.Shape(4, 1, 4)
            from dtype in Gen.OneOf(DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.UInt8)
            from x in Gens.InputOf(shape, dtype)
            from flat in Gen.Int[0, 3].Select(k => k == 0 || shape.Length == 0)
            from axis in Gen.Int[0, Math.Max(0, shape.Length - 1)]
            from negative in Gen.Bool
            from keepDims in Gen.Bool
            select (x, flat ? (int?)null : negative ? axis - shape.Length : axis, keepDims);

        gen.Sample((x, axis, keepDims) =>
        {
            Tensor t = x.Build();
            int rank = x.Shape.Length;
            // Flattened: a rank-1 view of the values, reduced along its only axis.
            int[] shape = axis is null ? [x.Values.Length] : x.Shape;
            int a = axis is int given ? (given + rank) % rank : 0;
            int[] expectedShape = axis is null
                ? keepDims ? [.. Enumerable.Repeat(1, rank)] : []
                : ResultShape(x.Shape, [.. Enumerable.Range(0, rank).Select(i => i == a)], keepDims);

            foreach (bool max in new[] { true, false })
            {
                Tensor index = max ? t.ArgMax(axis, keepDims) : t.ArgMin(axis, keepDims);

                Assert.Equal(expectedShape, index.Shape.ToArray());
                Assert.Equal(DType.Int64, index.DType);
                Assert.Equal(FirstExtreme(x.Values, shape, a, max), index.ToArray<long>());
            }
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Reductions_refuse_repeated_out_of_range_and_empty_axes()
    {
        Gen<(Input, int, int)> gen =
            from shape in Gens.Shape(4, 0, 3).Where(s => s.Length > 0)
            from x in Gens.InputOf(shape, DType.Float32)
            from axis in Gen.Int[0, shape.Length - 1]
            from offRange in Gen.Int[1, 3]
            select (x, axis, offRange);

        gen.Sample((x, axis, offRange) =>
        {
            Tensor t = x.Build();
            int rank = x.Shape.Length;

            var twice = Assert.Throws<ArgumentException>(() => t.Sum([axis, axis - rank]));
            Assert.Contains("given twice", twice.Message);
            var outside = Assert.Throws<ArgumentOutOfRangeException>(() => t.Max([rank - 1 + offRange]));
            Assert.Contains($"axis {rank - 1 + offRange} is out of range for a tensor of rank {rank}", outside.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => t.ArgMax(-rank - offRange));
            if (x.Shape[axis] == 0)
            {
                Assert.Contains($"cannot reduce axis {axis} of size 0", Assert.Throws<ArgumentException>(() => t.Max(axis)).Message);
                Assert.Contains("empty", Assert.Throws<ArgumentException>(() => t.ArgMin(axis)).Message);
                Assert.Equal(0, t.Sum(axis).ToDoubleArray().Sum()); // an empty sum is 0, as in torch
            }
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void SumTo_sums_a_broadcast_tensor_back_to_the_operand_shape()
    {
        Gen<(Input, int[])> gen =
            from shapes in Gens.BroadcastablePair
            let full = Naive.BroadcastShape(shapes.A, shapes.B)!
            from x in Gens.InputOf(full, DType.Float64, Gen.Int[-50, 50].Select(i => (double)i))
            select (x, shapes.A);

        gen.Sample((x, target) =>
        {
            Tensor s = x.Build().SumTo(target);

            var expected = new double[Naive.Size(target)];
            int n = 0;
            foreach (int[] i in Naive.Indices(x.Shape))
            {
                expected[Naive.BroadcastOffset(i, target)] += x.Values[n++];
            }
            Assert.Equal(target, s.Shape.ToArray());
            Assert.Equal(expected, s.ToDoubleArray(), s_exact); // small integers: every order sums exactly
        }, iter: Gens.Iterations);
    }

    // Which axes to reduce, as the caller writes them: null (all), or a list in any order with negative axes allowed.
    private static Gen<Axes> AxesOf(int rank) =>
        from all in Gen.Int[0, 4].Select(k => k == 0)
        from chosen in Gen.Bool.Array[rank]
        from keys in Gen.Int[0, 99].Array[rank]
        from negative in Gen.Bool.Array[rank]
        from keepDims in Gen.Bool
        select new Axes(all ? null : [.. Gens.Permutation(keys).Where(i => chosen[i]).Select(i => negative[i] ? i - rank : i)], keepDims);

    private static int[] ResultShape(int[] shape, bool[] reduced, bool keepDims) =>
        [.. shape.Select((d, i) => reduced[i] ? keepDims ? 1 : -1 : d).Where(d => d >= 0)];

    // Folds each input element into its output cell (the input index with the reduced axes dropped);
    // also sums |x| for the error bound and counts the elements per cell.
    private static (double[] Result, double[] Magnitude, int Count) Accumulate(Input x, bool[] reduced, double seed, Func<double, double, double> fold)
    {
        int[] kept = [.. x.Shape.Where((d, i) => !reduced[i])];
        var result = new double[Naive.Size(kept)];
        var magnitude = new double[result.Length];
        Array.Fill(result, seed);
        int n = 0;
        foreach (int[] index in Naive.Indices(x.Shape))
        {
            int cell = Naive.Offset([.. index.Where((_, i) => !reduced[i])], kept);
            result[cell] = fold(result[cell], x.Values[n]);
            magnitude[cell] += Math.Abs(x.Values[n++]);
        }
        int count = Naive.Size([.. x.Shape.Where((d, i) => reduced[i])]);
        return (result, magnitude, count);
    }

    private static void AssertClose(double[] expected, double[] magnitude, int count, Tensor actual)
    {
        (double eps, double tiny) = actual.DType switch
        {
            DType.Float32 => (Math.Pow(2, -23), (double)float.Epsilon), // tiny: the smallest subnormal, for a mean that underflows
            DType.Float64 => (Math.Pow(2, -52), double.Epsilon),
            _ => (0, 0),
        };
        double[] values = actual.ToDoubleArray();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            double slack = ((count + 1) * eps * magnitude[i]) + tiny;
            Assert.True(Naive.Same(expected[i], values[i]) || Math.Abs(expected[i] - values[i]) <= slack,
                $"element {i}: expected {expected[i]}, got {values[i]} (slack {slack})");
        }
    }

    // The index of the first largest (or smallest) value of each line along axis a of a row-major array.
    private static long[] FirstExtreme(double[] values, int[] shape, int a, bool max)
    {
        int[] kept = [.. shape.Where((_, i) => i != a)];
        var best = new long[Naive.Size(kept)];
        var bestValue = new double[best.Length];
        Array.Fill(bestValue, double.NaN);
        int n = 0;
        foreach (int[] index in Naive.Indices(shape))
        {
            int cell = Naive.Offset([.. index.Where((_, i) => i != a)], kept);
            double v = values[n++];
            if (double.IsNaN(bestValue[cell]) || (max ? v > bestValue[cell] : v < bestValue[cell]))
            {
                (best[cell], bestValue[cell]) = (index[a], v);
            }
        }
        return best;
    }

    private sealed record Axes(int[]? List, bool KeepDims)
    {
        public bool[] Reduced(int rank)
        {
            var reduced = new bool[rank];
            foreach (int axis in List ?? [.. Enumerable.Range(0, rank)])
            {
                reduced[(axis + rank) % rank] = true;
            }
            return reduced;
        }

        public override string ToString() => $"axes {(List is null ? "null" : "[" + string.Join(", ", List) + "]")}, keepDims {KeepDims}";
    }
}

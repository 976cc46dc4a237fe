using CsCheck;

namespace ChainRule.Tests.Properties;

// Elementwise binary operations on random broadcastable shapes (rank 0-5, dimensions 1-5, size-1 and
// missing leading axes) and random layouts (transposed and sliced views), against the definition:
// result[i] = op(a[broadcast i], b[broadcast i]), computed in double and rounded once to the result type.
// For + - * / on float32 that single rounding is exact (double has more than 2 * 24 + 2 bits); the
// integers are small enough that nothing wraps except uint8, where the rounding step wraps too.
public class BroadcastingProperties
{
    private static readonly DType[] s_dtypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.UInt8];

    private static readonly BinaryOp[] s_ops =
    [
        new("add", Tensor.Add, (a, b) => a + b),
        new("subtract", Tensor.Subtract, (a, b) => a - b),
        new("multiply", Tensor.Multiply, (a, b) => a * b),
        new("divide", Tensor.Divide, (a, b) => a / b, Kind.TrueDivision),
        new("maximum", Tensor.Maximum, Math.Max),
        new("minimum", Tensor.Minimum, Math.Min),
        new("equal", Tensor.Equal, (a, b) => a == b ? 1 : 0, Kind.Comparison),
        new("not_equal", Tensor.NotEqual, (a, b) => a != b ? 1 : 0, Kind.Comparison),
        new("less", Tensor.Less, (a, b) => a < b ? 1 : 0, Kind.Comparison),
        new("greater_equal", Tensor.GreaterEqual, (a, b) => a >= b ? 1 : 0, Kind.Comparison),
    ];

    private static readonly Tolerance s_exact = new(0);

    private enum Kind
    {
        Arithmetic,
        TrueDivision,
        Comparison,
    }

    // an op and two operands of one dtype whose shapes come from the pair generator
    private static Gen<(BinaryOp, Input, Input)> OperandsOf(Gen<(int[] A, int[] B)> pairs) =>
        from shapes in pairs
        from dtype in Gen.OneOf(s_dtypes)
        from op in Gen.OneOf(s_ops)
        from a in Gens.InputOf(shapes.A, dtype)
        from b in Gens.InputOf(shapes.B, dtype)
        select (op, a, b);

    [Fact]
    public void Binary_ops_broadcast_as_the_naive_definition()
    {
        Gen<(BinaryOp, Input, Input)> gen = OperandsOf(Gens.BroadcastablePair);

        gen.Sample((op, a, b) =>
        {
            Tensor z = op.Apply(a.Build(), b.Build());

            int[] shape = Naive.BroadcastShape(a.Shape, b.Shape)!;
            DType dtype = op.ResultType(a.DType);
            double[] expected = [.. Naive.Indices(shape).Select(i => Round(
                op.Define(a.Values[Naive.BroadcastOffset(i, a.Shape)], b.Values[Naive.BroadcastOffset(i, b.Shape)]), dtype))];
            Assert.Equal(shape, z.Shape.ToArray());
            Assert.Equal(dtype, z.DType);
            Assert.Equal(expected, z.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Binary_ops_on_shapes_that_do_not_broadcast_throw_naming_both_shapes()
    {
        Gen<(BinaryOp, Input, Input)> gen = OperandsOf(Gens.ClashingPair);

        gen.Sample((op, a, b) =>
        {
            Assert.Null(Naive.BroadcastShape(a.Shape, b.Shape));
            var e = Assert.Throws<ArgumentException>(() => op.Apply(a.Build(), b.Build()));
            Assert.Contains($"{op.Name}: shapes {Naive.Format(a.Shape)} and {Naive.Format(b.Shape)} cannot be broadcast", e.Message);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void Where_picks_x_or_y_by_the_mask_all_three_broadcast()
    {
        Gen<(Input, Input, Input)> gen =
            from result in Gens.Shape(4, 1, 4)
            from shapeC in Gens.OperandOf(result)
            from shapeX in Gens.OperandOf(result)
            from shapeY in Gens.OperandOf(result)
            from dtype in Gen.OneOf(DTypes.All.ToArray())
            from c in Gens.InputOf(shapeC, DType.Bool)
            from x in Gens.InputOf(shapeX, dtype)
            from y in Gens.InputOf(shapeY, dtype)
            select (c, x, y);

        gen.Sample((c, x, y) =>
        {
            Tensor z = Tensor.Where(c.Build(), x.Build(), y.Build());

            int[] shape = Naive.BroadcastShape(Naive.BroadcastShape(c.Shape, x.Shape)!, y.Shape)!;
            double[] expected = [.. Naive.Indices(shape).Select(i => c.Values[Naive.BroadcastOffset(i, c.Shape)] != 0
                ? x.Values[Naive.BroadcastOffset(i, x.Shape)]
                : y.Values[Naive.BroadcastOffset(i, y.Shape)])];
            Assert.Equal(shape, z.Shape.ToArray());
            Assert.Equal(x.DType, z.DType);
            Assert.Equal(expected, z.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void BroadcastTo_repeats_each_element_along_the_new_and_size_1_axes()
    {
        Gen<(Input, int[])> gen =
            from shapes in Gens.BroadcastablePair
            let target = Naive.BroadcastShape(shapes.A, shapes.B)!
            from dtype in Gen.OneOf(DTypes.All.ToArray())
            from a in Gens.InputOf(shapes.A, dtype)
            select (a, target);

        gen.Sample((a, target) =>
        {
            Tensor view = a.Build().BroadcastTo(target);

            Assert.Equal(target, view.Shape.ToArray());
            Assert.Equal([.. Naive.Indices(target).Select(i => a.Values[Naive.BroadcastOffset(i, a.Shape)])], view.ToDoubleArray(), s_exact);
        }, iter: Gens.Iterations);
    }

    [Fact]
    public void BroadcastTo_a_shape_that_does_not_fit_throws_naming_both_shapes()
    {
        Gen<(Input, int[])> gen =
            from shapes in Gens.ClashingPair
            from a in Gens.InputOf(shapes.A, DType.Float32)
            select (a, shapes.B);

        gen.Sample((a, target) =>
        {
            var e = Assert.Throws<ArgumentException>(() => a.Build().BroadcastTo(target));
            Assert.Contains(Naive.Format(a.Shape), e.Message);
            Assert.Contains(Naive.Format(target), e.Message);
        }, iter: Gens.Iterations);
    }

    // The result rounded to its dtype: float32 rounds, uint8 wraps, bool is 0 or 1; the rest are exact here.
    private static double Round(double value, DType dtype) => dtype switch
    {
        DType.Float32 => (float)value,
        DType.UInt8 => unchecked((byte)(long)value),
        _ => value,
    };

    private sealed record BinaryOp(string Name, Func<Tensor, Tensor, Tensor> Apply, Func<double, double, double> Define, Kind Kind = Kind.Arithmetic)
    {
        public DType ResultType(DType input) => Kind switch
        {
            Kind.Comparison => DType.Bool,
            Kind.TrueDivision => input.IsFloatingPoint() ? input : DType.Float32,
            _ => input,
        };

        public override string ToString() => Name;
    }
}

namespace ChainRule.Tests.Tensors;

// Integer, bool and byte tensors: creation, read-out, printing, views, masks, reductions, and how they meet
// autograd. The promotion and arithmetic rules are checked against PyTorch in PromotionTableTests.
public class DTypeTests
{
    [Fact]
    public void Typed_arrays_make_typed_tensors_and_the_float_factories_stay_float32()
    {
        Assert.Equal(DType.Int32, Tensor.FromArray(1, 2, 3).DType);
        Assert.Equal(DType.Int64, Tensor.FromArray(1L, 2L).DType);
        Assert.Equal(DType.Bool, Tensor.FromArray(true, false).DType);
        Assert.Equal(DType.UInt8, Tensor.FromArray((byte)1, (byte)2).DType);
        Assert.Equal(DType.Int64, Tensor.FromArray(new long[,] { { 1, 2 }, { 3, 4 } }).DType);
        Assert.Equal(DType.Bool, Tensor.FromArray(new bool[,] { { true }, { false } }).DType);
        Assert.Equal(DType.Float32, Tensor.Scalar(5).DType); // the README's first example stays a float scalar
        Assert.Equal(DType.Float32, Tensor.Arange(4).DType);
        Assert.Equal([0L, 3, 6, 9], Tensor.Arange(0, 10, 3, DType.Int64).ToArray<long>());
        Assert.Equal([7, 7], Tensor.Full([2], 7, DType.Int32).ToArray<int>());
        Assert.Equal([false, false], Tensor.Zeros([2], DType.Bool).ToArray<bool>());
        Assert.Equal([1, 1], Tensor.Ones([2], DType.UInt8).ToArray<byte>());
        Tensor r = Tensor.RandomInteger([1000], -3, 4, new Generator(1));
        Assert.Equal(DType.Int64, r.DType);
        Assert.Equal(Enumerable.Range(-3, 7).Select(v => (long)v), r.ToArray<long>().Distinct().Order());
    }

    [Fact]
    public void No_read_out_converts_silently()
    {
        Tensor labels = Tensor.FromArray(3L, 1L);
        var error = Assert.Throws<InvalidOperationException>(() => labels.ToArray());
        Assert.Equal("ToArray() reads float32 tensors; this one is int64: use ToArray<long>(), or To(DType.Float32).ToArray() to convert.", error.Message);
        error = Assert.Throws<InvalidOperationException>(() => Tensor.FromArray(1.5, 2.5).ToArray());
        Assert.Contains("ToArray<double>()", error.Message); // float64 is no longer rounded to float on the way out
        error = Assert.Throws<InvalidOperationException>(() => labels.ToArray<int>());
        Assert.Contains("read it with ToArray<long>()", error.Message);
        Assert.Equal([3L, 1L], labels.ToArray<long>());
        Assert.Equal(3L, labels.Select(0, 0).Item<long>());
        Assert.True(Tensor.FromArray(true).Item<bool>());
        Assert.Equal(3.0, labels[0]);                                   // exact: the indexer and Item() give doubles
        Tensor big = Tensor.FromArray(long.MaxValue);
        Assert.Equal(long.MaxValue, big.Item<long>());
        Assert.Contains("Item<long>()", Assert.Throws<InvalidOperationException>(() => big.Item()).Message);
    }

    [Fact]
    public void Printing_follows_pytorch()
    {
        Assert.Equal("tensor([1, 2, 3])", Tensor.FromArray(1L, 2L, 3L).ToString());
        Assert.Equal("tensor([-10,   2], dtype=int32)", Tensor.FromArray(-10, 2).ToString());
        Assert.Equal("tensor([ True, False])", Tensor.FromArray(true, false).ToString());
        Assert.Equal("tensor([[  0, 255]], dtype=uint8)", Tensor.FromArray(new byte[,] { { 0, 255 } }).ToString());
        Assert.Equal("tensor([1., 2.])", Tensor.FromArray(1f, 2f).ToString());
        Assert.Equal("tensor([1.5000, 2.0000], dtype=float64)", Tensor.FromArray(1.5, 2.0).ToString());
    }

    [Fact]
    public void Views_and_joins_work_on_every_dtype()
    {
        foreach (DType dtype in DTypes.All)
        {
            Tensor x = Tensor.Arange(0, 6, 1, dtype == DType.Bool ? DType.Int64 : dtype).To(dtype).Reshape(2, 3);
            Tensor t = x.Transpose();
            Assert.False(t.IsContiguous);
            Assert.Equal(x.Transpose().Contiguous().ToDoubleArray(), t.ToDoubleArray());
            Assert.Equal(dtype, t.Contiguous().DType);
            Assert.Equal(x.ToDoubleArray()[3..], x.Slice(0, 1, 2).ToDoubleArray());
            Assert.Equal(dtype, Tensor.Concat([x, x]).DType);
            Assert.Equal(new Shape(2, 2, 3), Tensor.Stack([x, x]).Shape);
            Assert.Equal(x.ToDoubleArray()[..3], x.Take(Tensor.FromArray(0L), 0).Reshape(3).ToDoubleArray());
            Tensor copy = Tensor.Zeros(x.Shape, dtype);
            copy.CopyFrom(x);
            Assert.Equal(x.ToDoubleArray(), copy.ToDoubleArray());
        }
        Assert.Equal(DType.Float32, Tensor.Concat([Tensor.FromArray(1L), Tensor.FromArray(2f)]).DType); // joins promote
    }

    [Fact]
    public void Masks_select_fill_and_reduce()
    {
        Tensor x = Tensor.FromArray(new float[,] { { -1, 2, -3 }, { 4, -5, 6 } });
        Tensor positive = x > 0;
        Assert.Equal(DType.Bool, positive.DType);
        Assert.Equal([2f, 4, 6], x.MaskedSelect(positive).ToArray());
        Assert.Equal([0f, 2, 0, 4, 0, 6], x.MaskedFill(!positive, 0).ToArray());
        Assert.Equal([1f, 2, 3, 4, 5, 6], Tensor.Where(positive, x, -x).ToArray());
        Assert.Equal([true, true], positive.Any([1]).ToArray<bool>());
        Assert.Equal([false, false], positive.All([1]).ToArray<bool>());
        Assert.True((x != 0).All().Item<bool>());
        Assert.Equal(3L, positive.Sum().Item<long>());
        Assert.Equal(DType.Int64, Tensor.FromArray(1, 2).Sum().DType);
        Assert.Equal(DType.Int64, x.ArgMax(1).DType);
        Assert.Equal([1L, 2], x.ArgMax(1).ToArray<long>()); // Int64 indices, first maximum on ties
        Assert.Equal([1L, 0], (x > 0).To(DType.Int64).ArgMax(1).ToArray<long>());
        Assert.Equal([6], Tensor.FromArray(new[] { 1, 6, 3 }).Max([0]).ToArray<int>());
        Assert.Equal(4 / 6.0, (positive == Tensor.FromArray(new bool[,] { { false, true, false }, { false, false, false } })).To(DType.Float32).Mean().Item(), 6);
        var where = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Ones([2, 3]), x, x));
        Assert.Equal("where: condition must be Bool, got float32; compare first (x > 0) or convert with .To(DType.Bool).", where.Message);
        var mean = Assert.Throws<ArgumentException>(() => Tensor.FromArray(1L, 2L).Mean());
        Assert.Equal("mean: int64 input is not supported (as in torch); convert with .To(DType.Float32) first.", mean.Message);
        Assert.Contains("! needs a bool tensor, got float32", Assert.Throws<ArgumentException>(() => !x).Message);
        Assert.Equal([false, true], Tensor.LogicalXor(Tensor.FromArray(true, true), Tensor.FromArray(1f, 0f)).ToArray<bool>());
        Assert.Equal([6, 1], (Tensor.FromArray(7, 3) & Tensor.FromArray(6, 5)).ToArray<int>());
    }

    [Fact]
    public void Integer_and_bool_variables_never_require_a_gradient_and_comparisons_cut_the_graph()
    {
        Assert.False(new Variable(Tensor.FromArray(1L, 2L)).RequiresGrad);
        Assert.True(new Variable(Tensor.FromArray(1f, 2f)).RequiresGrad);
        var error = Assert.Throws<ArgumentException>(() => new Variable(Tensor.FromArray(1L), requiresGrad: true));
        Assert.StartsWith("only floating-point Variables can require a gradient; this one is int64", error.Message);

        var x = new Variable(Tensor.FromArray(-1.0, 2.0, -3.0, 4.0));
        Variable mask = x > new Variable(Tensor.Scalar(0, DType.Float64), requiresGrad: false);
        Assert.Equal(DType.Bool, mask.DType);
        Assert.False(mask.RequiresGrad);
        Assert.Null(mask.Creator);
        Variable labels = F.ArgMax(x.Reshape(2, 2), 1);
        Assert.Equal(DType.Int64, labels.DType);
        Assert.False(labels.RequiresGrad);

        // gradients flow through Where with a Bool mask and through Gather with Int64 indices
        Variable y = F.Sum(F.Where(mask.Data, x * x, 3 * x)) + F.Sum(F.Gather(x.Reshape(2, 2), 1, Tensor.FromArray(new long[,] { { 1 }, { 1 } })));
        y.Backward();
        Assert.Equal([3.0, 4 + 1, 3, 8 + 1], x.Grad!.Data.ToArray<double>());
        Variable same = F.ArgMax(x, 0) == new Variable(Tensor.Scalar(3, DType.Int64));
        Assert.True(same.Data.Item<bool>()); // Variable == Variable: elementwise, a Bool constant
    }

    [Fact]
    public void Masked_fill_and_select_are_differentiable()
    {
        var x = new Variable(Tensor.FromArray(new double[,] { { 1, -2 }, { -3, 4 } }));
        Tensor negative = x.Data < 0;
        Variable filled = F.MaskedFill(x, negative, 0);
        Assert.Equal([1.0, 0, 0, 4], filled.Data.ToArray<double>());
        Variable picked = F.MaskedSelect(x, negative);
        Assert.Equal([-2.0, -3], picked.Data.ToArray<double>());
        (F.Sum(filled * filled) + F.Sum(picked * 10)).Backward();
        Assert.Equal([2.0, 10, 10, 8], x.Grad!.Data.ToArray<double>()); // 2x where kept, 10 where selected
        Assert.Throws<ArgumentException>(() => F.MaskedFill(x, Tensor.Ones([3], DType.Bool), 0));
    }
}

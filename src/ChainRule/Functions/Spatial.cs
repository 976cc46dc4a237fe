using ChainRule.Kernels;

namespace ChainRule.Functions;

// Padding and the im2col pair as ops. All three are linear, so each one's gradient and tangent are a linear op
// of the same family: the adjoint of padding is cropping (padding by the negated amounts), and unfold and fold
// are each other's adjoints.

/// <summary>
/// y = x with before[a] values added in front of axis a and after[a] behind it (negative amounts crop), the new
/// values all <c>value</c>. gx = gy padded by the negated amounts (the crop back to x, zeros where x was cropped).
/// </summary>
internal sealed class Pad(int[] before, int[] after, double value) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x)
    {
        Tensor input = x[0];
        int[] dims = new int[input.Rank];
        for (int a = 0; a < dims.Length; a++)
        {
            dims[a] = input.Shape[a] + before[a] + after[a];
        }
        Tensor y = Tensor.Full(new Shape(dims), value, input.DType);
        Tensor source = input, destination = y;
        for (int a = 0; a < dims.Length; a++)
        {
            // the part of x that survives, and where it lands
            int from = Math.Max(0, -before[a]), to = input.Shape[a] - Math.Max(0, -after[a]);
            if (to <= from)
            {
                return y; // everything cropped on this axis: only padding remains
            }
            source = source.Slice(a, from, to);
            destination = destination.Slice(a, Math.Max(0, before[a]), Math.Max(0, before[a]) + (to - from));
        }
        destination.CopyFrom(source);
        return y;
    }

    protected internal override Variable?[] Backward(Variable gy) => [new Pad(Negated(before), Negated(after), 0).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) => new Pad(before, after, 0).Apply(dx);

    private static int[] Negated(int[] amounts) => [.. amounts.Select(v => -v)];
}

/// <summary>y (N, C * KH * KW, L) = the sliding blocks of x (N, C, H, W), torch's unfold. gx = fold(gy); dy = unfold(dx).</summary>
internal sealed class Unfold(ConvGeometry geometry) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.UnfoldImages(x[0], geometry);

    protected internal override Variable?[] Backward(Variable gy) => [new Fold(geometry).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) => new Unfold(geometry).Apply(dx);
}

/// <summary>y (N, C, H, W) = the sum of blocks x (N, C * KH * KW, L) put back where they came from, torch's fold. gx = unfold(gy).</summary>
internal sealed class Fold(ConvGeometry geometry) : Function
{
    protected override Tensor Forward(ReadOnlySpan<Tensor> x) => Tensor.FoldImages(x[0], geometry);

    protected internal override Variable?[] Backward(Variable gy) => [new Unfold(geometry).Apply(gy)];

    protected internal override Variable? Jvp(int i, Variable dx) => new Fold(geometry).Apply(dx);
}

namespace ChainRule;

// Movement: operations that change how elements are addressed, not their values (tinygrad's
// "movement ops"). All of them return views that share storage, except Reshape of a non-contiguous
// tensor, which has to copy.
public sealed partial class Tensor
{
    /// <summary>
    /// The same elements in a new shape (row-major order). One dimension may be -1: it is inferred.
    /// A view when this tensor is contiguous, else a copy.
    /// </summary>
    /// <exception cref="ArgumentException">The sizes differ, or more than one dimension is -1.</exception>
    public Tensor Reshape(params ReadOnlySpan<int> shape)
    {
        Shape target = InferShape(shape);
        if (target == Shape)
        {
            return View(Offset, Shape, _strides); // a view, like every other reshape
        }
        Tensor source = Contiguous();
        return source.View(source.Offset, target, target.ContiguousStrides());
    }

    /// <summary>A 1-d view (or copy) of all elements.</summary>
    public Tensor Flatten() => Reshape(Size);

    /// <summary>Reverses the axes (numpy's .T): a (m, n) matrix becomes (n, m).</summary>
    public Tensor Transpose()
    {
        var axes = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            axes[i] = Rank - 1 - i;
        }
        return Permute(axes);
    }

    /// <summary>Swaps two axes (torch.transpose); negative axes count from the end.</summary>
    public Tensor Transpose(int axis0, int axis1)
    {
        var axes = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            axes[i] = i;
        }
        int a = Shape.NormalizeAxis(axis0, Rank, "transpose");
        int b = Shape.NormalizeAxis(axis1, Rank, "transpose");
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Permute(axes);
    }

    /// <summary>Reorders the axes: result axis i is this tensor's axis axes[i].</summary>
    public Tensor Permute(params ReadOnlySpan<int> axes)
    {
        if (axes.Length != Rank)
        {
            throw new ArgumentException($"permute: {axes.Length} axes given for a tensor of shape {Shape}.", nameof(axes));
        }
        var dims = new int[Rank];
        var strides = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int axis = Shape.NormalizeAxis(axes[i], Rank, "permute");
            if (seen[axis])
            {
                throw new ArgumentException($"permute: axis {axis} appears twice in ({string.Join(", ", axes.ToArray())}).", nameof(axes));
            }
            seen[axis] = true;
            dims[i] = Shape.Dims[axis];
            strides[i] = Strides[axis];
        }
        return View(Offset, new Shape(dims), strides);
    }

    /// <summary>
    /// Elements start, start + step, ... before end along one axis (Python slicing: negative start and end
    /// count from the end, out-of-range bounds are clamped). A view.
    /// </summary>
    public Tensor Slice(int axis, int start, int end, int step = 1)
    {
        axis = Shape.NormalizeAxis(axis, Rank, "slice");
        if (step <= 0)
        {
            throw new ArgumentException($"slice: step must be positive, got {step}.", nameof(step));
        }
        int dim = Shape.Dims[axis];
        start = Math.Clamp(start < 0 ? start + dim : start, 0, dim);
        end = Math.Clamp(end < 0 ? end + dim : end, 0, dim);
        int count = end > start ? ((end - start + step - 1) / step) : 0;
        int[] dims = Shape.ToArray();
        int[] strides = Strides.ToArray();
        dims[axis] = count;
        strides[axis] *= step;
        int offset = count > 0 && Size > 0 ? Offset + (start * Strides[axis]) : Offset; // an empty view keeps its offset: there may be no element at start
        return View(offset, new Shape(dims), strides);
    }

    /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="axis"/>, with that axis removed. A view.</summary>
    public Tensor Select(int axis, int index)
    {
        axis = Shape.NormalizeAxis(axis, Rank, "select");
        int dim = Shape.Dims[axis];
        int k = index < 0 ? index + dim : index;
        if (k < 0 || k >= dim)
        {
            throw new IndexOutOfRangeException($"select: index {index} is out of range for axis {axis} of size {dim} (shape {Shape}).");
        }
        return Slice(axis, k, k + 1).Squeeze(axis);
    }

    /// <summary>Removes axis <paramref name="axis"/>, which must have size 1; with no axis, removes every size-1 axis.</summary>
    public Tensor Squeeze(int? axis = null)
    {
        var dims = new List<int>(Rank);
        var strides = new List<int>(Rank);
        int only = axis is int a ? Shape.NormalizeAxis(a, Rank, "squeeze") : -1;
        if (only >= 0 && Shape.Dims[only] != 1)
        {
            throw new ArgumentException($"squeeze: axis {axis} of shape {Shape} has size {Shape.Dims[only]}, not 1.", nameof(axis));
        }
        for (int i = 0; i < Rank; i++)
        {
            bool drop = only >= 0 ? i == only : Shape.Dims[i] == 1;
            if (!drop)
            {
                dims.Add(Shape.Dims[i]);
                strides.Add(Strides[i]);
            }
        }
        return View(Offset, new Shape([.. dims]), [.. strides]);
    }

    /// <summary>Inserts a size-1 axis at position <paramref name="axis"/> of the result (-1 appends).</summary>
    public Tensor Unsqueeze(int axis)
    {
        axis = Shape.NormalizeAxis(axis, Rank + 1, "unsqueeze");
        var dims = new List<int>(Shape.ToArray());
        var strides = new List<int>(Strides.ToArray());
        dims.Insert(axis, 1);
        strides.Insert(axis, axis < Rank ? Strides[axis] * Shape.Dims[axis] : 1);
        return View(Offset, new Shape([.. dims]), [.. strides]);
    }

    /// <summary>A view repeating this tensor along broadcast axes (stride 0), NumPy rules.</summary>
    /// <exception cref="ArgumentException">This shape does not broadcast to <paramref name="shape"/>.</exception>
    public Tensor BroadcastTo(Shape shape)
    {
        if (shape == Shape)
        {
            return this;
        }
        if (Shape.Broadcast(Shape, shape, "broadcast_to") != shape)
        {
            throw new ArgumentException($"broadcast_to: shape {Shape} cannot be broadcast to {shape}.");
        }
        var strides = new int[shape.Rank];
        BroadcastStrides(shape, strides);
        return View(Offset, shape, strides);
    }

    /// <summary>The shape Reshape would produce: resolves one -1 and checks the size.</summary>
    internal Shape InferShape(ReadOnlySpan<int> shape)
    {
        int[] dims = shape.ToArray();
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1 && inferred < 0)
            {
                inferred = i;
            }
            else if (dims[i] < 0)
            {
                throw new ArgumentException($"reshape: cannot reshape {Shape} to {Shape.Format(shape)}: only one dimension may be -1, and none may be negative.");
            }
            else
            {
                known *= dims[i];
            }
        }
        if (inferred >= 0 && known > 0 && Size % known == 0)
        {
            dims[inferred] = (int)(Size / known);
        }
        if (inferred >= 0 ? dims[inferred] < 0 || known * dims[inferred] != Size : known != Size)
        {
            throw new ArgumentException($"reshape: cannot reshape {Shape} ({Size} elements) to {Shape.Format(shape)}.");
        }
        return new Shape(dims);
    }
}

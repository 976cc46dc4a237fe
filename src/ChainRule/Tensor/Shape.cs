using System.Runtime.CompilerServices;

namespace ChainRule;

/// <summary>
/// The immutable dimensions of a tensor, outermost first: <c>(batch, features)</c> is <c>[batch, features]</c>.
/// Formats like a Python tuple: <c>()</c>, <c>(5,)</c>, <c>(3, 2)</c>. Write one as a collection
/// expression: <c>Shape s = [3, 2];</c>.
/// </summary>
[CollectionBuilder(typeof(Shape), nameof(Create))]
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims;
    private readonly long _sizeMinusOne; // cached; minus one so that default(Shape), the scalar shape, has size 1

    /// <summary>Creates a shape; every dimension must be zero or more.</summary>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    public Shape(params ReadOnlySpan<int> dims)
    {
        foreach (int d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"shape {Format(dims)}: dimensions must be >= 0.", nameof(dims));
            }
        }
        _dims = dims.ToArray();
        long size = 1;
        foreach (int d in dims)
        {
            size = d == 0 ? 0 : size <= int.MaxValue ? size * d : size; // past int.MaxValue it stays there: Size reports it
        }
        _sizeMinusOne = size - 1;
    }

    public static Shape Create(ReadOnlySpan<int> dims) => new(dims);

    /// <summary>The shape of a 0-d (scalar) tensor.</summary>
    public static Shape Scalar => default;

    public int Rank => _dims?.Length ?? 0;

    public ReadOnlySpan<int> Dims => _dims;

    /// <summary>Dimension <paramref name="axis"/>; negative axes count from the end (-1 is the last).</summary>
    public int this[int axis] => Dims[NormalizeAxis(axis, Rank, "shape")];

    /// <summary>Number of elements: the product of the dimensions (1 for a scalar).</summary>
    public int Size => _sizeMinusOne < int.MaxValue ? (int)(_sizeMinusOne + 1)
        : throw new ArgumentException($"shape {this} has more than {int.MaxValue} elements, the most a ChainRule tensor holds.");

    public ReadOnlySpan<int>.Enumerator GetEnumerator() => Dims.GetEnumerator();

    public int[] ToArray() => Dims.ToArray();

    /// <summary>Row-major (C order) strides in elements.</summary>
    public int[] ContiguousStrides()
    {
        if (Rank == 0)
        {
            return []; // shared empty array: scalars are the small-graph hot path
        }
        var strides = new int[Rank];
        int stride = 1;
        for (int i = Rank - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Dims[i];
        }
        return strides;
    }

    /// <summary>
    /// NumPy broadcasting: align the shapes at their last dimension; each pair of dimensions must be
    /// equal or one of them 1. <paramref name="op"/> names the operation in the error.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast; the message names both.</exception>
    public static Shape Broadcast(Shape a, Shape b, string op)
    {
        if (a == b)
        {
            return a;
        }
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 1; i <= rank; i++)
        {
            int da = i <= a.Rank ? a.Dims[^i] : 1;
            int db = i <= b.Rank ? b.Dims[^i] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException(
                    $"{op}: shapes {a} and {b} cannot be broadcast: dimension {da} and {db} differ at axis -{i}.");
            }
            dims[^i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    /// <summary>Turns a possibly negative axis into 0..rank-1, or throws naming the operation.</summary>
    public static int NormalizeAxis(int axis, int rank, string op)
    {
        int normalized = axis < 0 ? axis + rank : axis;
        return normalized >= 0 && normalized < rank ? normalized
            : throw new ArgumentOutOfRangeException(nameof(axis), $"{op}: axis {axis} is out of range for a tensor of rank {rank}.");
    }

    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);

    public override bool Equals(object? obj) => obj is Shape other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in Dims)
        {
            hash.Add(d);
        }
        return hash.ToHashCode();
    }

    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    public static implicit operator Shape(int[] dims) => new(dims);

    public static implicit operator ReadOnlySpan<int>(Shape shape) => shape.Dims;

    public override string ToString() => Format(Dims);

    internal static string Format(ReadOnlySpan<int> dims) => dims.Length switch
    {
        0 => "()",
        1 => $"({dims[0]},)",
        _ => "(" + string.Join(", ", dims.ToArray()) + ")",
    };
}

using System.Globalization;
using System.Text;

namespace ChainRule;

// ToString in the style of NumPy's array printing:
//   tensor([[1., 2.],
//           [3., 4.]])
// One number format for the whole tensor (integers as "1.", else 4 decimals, or scientific when the
// magnitudes span a wide range), right-aligned to a common width; more than 1000 elements are
// summarised with "..." keeping 3 items at each edge. Integers print as integers ("1"), bools as True/False,
// as PyTorch does; types other than float32, int64 and bool say so (", dtype=float64"), as PyTorch does.
public sealed partial class Tensor
{
    private const int SummaryThreshold = 1000;
    private const int EdgeItems = 3;

    public override string ToString()
    {
        const string Prefix = "tensor(";
        bool summarise = Size > SummaryThreshold;
        string[] values = FormatElements();
        int width = values.Length == 0 ? 0 : values.Max(v => v.Length);
        var text = new StringBuilder(Prefix);
        if (Size == 0)
        {
            text.Append('[', Math.Max(Rank, 1)).Append(']', Math.Max(Rank, 1));
            text.Append($", shape={Shape}");
        }
        else
        {
            AppendAxis(text, values, 0, 0, Prefix.Length, width, summarise);
        }
        if (DType is not (DType.Float32 or DType.Int64 or DType.Bool))
        {
            text.Append(", dtype=").Append(DType.Name());
        }
        return text.Append(')').ToString();
    }

    private string[] FormatElements()
    {
        var culture = CultureInfo.InvariantCulture;
        if (DType == DType.Bool)
        {
            return ToArray<bool>().Select(b => b ? "True" : "False").ToArray();
        }
        if (!DType.IsFloatingPoint())
        {
            return To(DType.Int64).ToArray<long>().Select(v => v.ToString(culture)).ToArray();
        }
        double[] values = ToDoubleArray();
        Func<double, string> format = ChooseFormat(values);
        return values.Select(format).ToArray();
    }

    private void AppendAxis(StringBuilder text, string[] values, int axis, int offset, int indent, int width, bool summarise)
    {
        if (axis == Rank)
        {
            text.Append(values[offset].PadLeft(width));
            return;
        }
        int dim = Shape.Dims[axis];
        int block = 1;
        for (int i = axis + 1; i < Rank; i++)
        {
            block *= Shape.Dims[i];
        }
        text.Append('[');
        string separator = axis == Rank - 1 ? ", " : "," + new string('\n', Rank - 1 - axis) + new string(' ', indent + axis + 1);
        for (int i = 0; i < dim; i++)
        {
            if (summarise && dim > 2 * EdgeItems && i == EdgeItems)
            {
                text.Append("...").Append(separator);
                i = dim - EdgeItems;
            }
            AppendAxis(text, values, axis + 1, offset + (i * block), indent, width, summarise);
            if (i < dim - 1)
            {
                text.Append(separator);
            }
        }
        text.Append(']');
    }

    private static Func<double, string> ChooseFormat(double[] values)
    {
        var finite = values.Where(double.IsFinite).Select(Math.Abs).ToArray();
        var culture = CultureInfo.InvariantCulture;
        if (finite.All(v => v == Math.Floor(v) && v < 1e16))
        {
            return v => double.IsFinite(v) ? v.ToString("0", culture) + "." : Special(v);
        }
        double max = finite.Max();
        double minNonZero = finite.Where(v => v > 0).DefaultIfEmpty(max).Min();
        if (max >= 1e8 || minNonZero < 1e-4 || max / minNonZero > 1e3)
        {
            return v => double.IsFinite(v) ? v.ToString("0.0000e+00", culture) : Special(v);
        }
        return v => double.IsFinite(v) ? v.ToString("0.0000", culture) : Special(v);

        static string Special(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    }
}

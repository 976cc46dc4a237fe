using System.Globalization;
using System.Text;

namespace ChainRule;

// ToString in the style of NumPy's array printing:
//   tensor([[1., 2.],
//           [3., 4.]])
// One number format for the whole tensor (integers as "1.", else 4 decimals, or scientific when the
// magnitudes span a wide range), right-aligned to a common width; more than 1000 elements are
// summarised with "..." keeping 3 items at each edge. float64 tensors say so, as NumPy says non-default types.
public sealed partial class Tensor
{
    private const int SummaryThreshold = 1000;
    private const int EdgeItems = 3;

    public override string ToString()
    {
        const string Prefix = "tensor(";
        double[] values = ToDoubleArray();
        bool summarise = Size > SummaryThreshold;
        Func<double, string> format = ChooseFormat(values);
        int width = values.Length == 0 ? 0 : values.Max(v => format(v).Length);
        var text = new StringBuilder(Prefix);
        if (Size == 0)
        {
            text.Append('[', Math.Max(Rank, 1)).Append(']', Math.Max(Rank, 1));
            text.Append($", shape={Shape}");
        }
        else
        {
            AppendAxis(text, values, 0, 0, Prefix.Length, width, format, summarise);
        }
        if (DType == DType.Float64)
        {
            text.Append(", dtype=float64");
        }
        return text.Append(')').ToString();
    }

    private void AppendAxis(StringBuilder text, double[] values, int axis, int offset, int indent, int width, Func<double, string> format, bool summarise)
    {
        if (axis == Rank)
        {
            text.Append(format(values[offset]).PadLeft(width));
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
            AppendAxis(text, values, axis + 1, offset + (i * block), indent, width, format, summarise);
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

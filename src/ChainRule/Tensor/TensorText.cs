using System.Globalization;
using System.Text;

namespace ChainRule;

// One-line text for numbers and tensors, for explanations and graph pictures (Tensor.ToString is NumPy's multi-line
// layout instead). Numbers: integers without decimals, anything else with up to 6 significant digits. Tensors: a
// nested literal such as [[1, 0], [2, 1]] up to maxElements elements, else the shape with min, max and mean.
internal static class TensorText
{
    public static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0)
        {
            return "0"; // NOTE: also for -0, which "0" would print as "-0"
        }
        return value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("G6", CultureInfo.InvariantCulture);
    }

    /// <summary>"3x2" for shape (3, 2), "5" for (5,), "" for a scalar.</summary>
    public static string Shape(Shape shape) => string.Join("x", shape.ToArray());

    public static string Compact(Tensor t, int maxElements = 24)
    {
        double[] values = t.ToDoubleArray();
        if (t.Rank == 0)
        {
            return Number(values[0]);
        }
        if (t.Size <= maxElements)
        {
            var text = new StringBuilder();
            AppendAxis(text, values, t.Shape.ToArray(), 0, 0);
            return text.ToString();
        }
        if (values.All(v => v.Equals(values[0])))
        {
            return $"{Shape(t.Shape)}, all {Number(values[0])}";
        }
        return $"{Shape(t.Shape)}, min {Number(values.Min())}, max {Number(values.Max())}, mean {Number(values.Average())}";
    }

    private static void AppendAxis(StringBuilder text, double[] values, int[] dims, int axis, int offset)
    {
        if (axis == dims.Length)
        {
            text.Append(Number(values[offset]));
            return;
        }
        int block = 1;
        for (int i = axis + 1; i < dims.Length; i++)
        {
            block *= dims[i];
        }
        text.Append('[');
        for (int i = 0; i < dims[axis]; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }
            AppendAxis(text, values, dims, axis + 1, offset + (i * block));
        }
        text.Append(']');
    }
}

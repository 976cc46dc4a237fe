using System.Globalization;

namespace ChainRule.Explain;

/// <summary>
/// Values written as text: a number (<c>5</c>, <c>-2.5e-3</c>) or a nested list of numbers (<c>[[1,0],[2,1],[0,1]]</c>,
/// rows of equal length), read into a float64 Tensor; and assignments <c>name=value</c> as given on the command line.
/// </summary>
public static class TensorLiteral
{
    /// <summary>Reads a number or a nested list of numbers.</summary>
    /// <exception cref="ExpressionException">The text is malformed or ragged; the message gives the column.</exception>
    public static Tensor Parse(string text) => Parse(text, "value", 0);

    /// <summary>Reads <c>name=value</c> pairs into a dictionary by name.</summary>
    /// <exception cref="ArgumentException">An assignment lacks '=', a name is given twice, or a value is malformed (with its column).</exception>
    public static Dictionary<string, Tensor> ParseAssignments(IEnumerable<string> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string assignment in assignments)
        {
            int equals = assignment.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? "" : assignment[..equals].Trim();
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(name[0]))
            {
                throw new ArgumentException($"'{assignment}': give a value as NAME=VALUE, e.g. a=5 or x=[[1,2],[3,4]]");
            }
            if (!values.TryAdd(name, Parse(assignment[(equals + 1)..], $"value {name}", equals + 1)))
            {
                throw new ArgumentException($"'{name}' is given a value twice");
            }
        }
        return values;
    }

    // offset: where the text starts in what the user typed, so columns count from the start of "x=[[...]]".
    private static Tensor Parse(string text, string where, int offset)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Reader(text, where, offset);
        reader.SkipSpace();
        (List<double> values, List<int> dims) = reader.Value();
        reader.SkipSpace();
        if (!reader.AtEnd)
        {
            throw reader.Error("unexpected text after the value");
        }
        return Tensor.FromArray(values.ToArray(), new Shape([.. dims]));
    }

    /// <summary>The deepest nesting of '[' a literal may have.</summary>
    private const int MaxRank = 32;

    private sealed class Reader(string text, string where, int offset)
    {
        private int _i;

        public bool AtEnd => _i == text.Length;

        public ExpressionException Error(string problem) => new(where, offset + _i + 1, problem);

        public void SkipSpace()
        {
            while (_i < text.Length && char.IsWhiteSpace(text[_i]))
            {
                _i++;
            }
        }

        // A number, or '[' value (',' value)* ']' whose items all have the same shape; returns the values, row-major, and the shape.
        public (List<double> Values, List<int> Dims) Value(int depth = 0)
        {
            SkipSpace();
            if (_i < text.Length && text[_i] == '[')
            {
                if (depth >= MaxRank)
                {
                    throw Error($"lists nest deeper than {MaxRank} levels (a tensor of rank above {MaxRank})");
                }
                int open = _i;
                _i++;
                var values = new List<double>();
                List<int>? itemDims = null;
                int firstItem = 0;
                int count = 0;
                while (true)
                {
                    SkipSpace();
                    int itemStart = _i;
                    (List<double> item, List<int> dims) = Value(depth + 1);
                    if (itemDims is null)
                    {
                        (itemDims, firstItem) = (dims, itemStart);
                    }
                    else if (!dims.SequenceEqual(itemDims))
                    {
                        _i = itemStart;
                        throw Error($"this item has shape {new Shape([.. dims])} but the first item of its list, at column {offset + firstItem + 1}, has shape {new Shape([.. itemDims])}");
                    }
                    values.AddRange(item);
                    count++;
                    SkipSpace();
                    if (_i < text.Length && text[_i] == ',')
                    {
                        _i++;
                    }
                    else if (_i < text.Length && text[_i] == ']')
                    {
                        _i++;
                        return (values, [count, .. itemDims]);
                    }
                    else
                    {
                        throw Error(AtEnd ? $"expected ']' to close the '[' at column {offset + open + 1}" : "expected ',' or ']'");
                    }
                }
            }
            int start = _i;
            while (_i < text.Length && (char.IsAsciiDigit(text[_i]) || text[_i] is '.' or '-' or '+' or 'e' or 'E'))
            {
                _i++;
            }
            string number = text[start.._i];
            if (number.Length == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                _i = start;
                throw Error(number.Length == 0 ? (AtEnd ? "expected a number or '['" : $"expected a number or '[', found '{text[_i]}'") : $"'{number}' is not a number");
            }
            return ([value], []);
        }
    }
}

using System.Globalization;
using System.Text;

namespace ChainRule.Data;

/// <summary>
/// Loads a CSV file of tabular data as a <see cref="Dataset"/>: one row per sample, one column the target,
/// every other column a numeric feature.
/// </summary>
/// <remarks>
/// Reading: blank lines are skipped; cells are trimmed; a cell may be quoted (<c>"a, b"</c>, with <c>""</c> for a
/// quote inside), but a quoted cell cannot span lines. Numbers are parsed with the invariant culture ('.' decimal
/// mark, optional exponent); an empty cell, NaN or infinity is not a number. Out of scope: missing values,
/// categorical features, cells spanning lines.
/// <para/>
/// Errors are <see cref="DataFormatException"/>s naming the file, the line (1-based, as an editor counts) and the
/// column (1-based, with its header name when there is one).
/// </remarks>
public static class Csv
{
    /// <summary>
    /// Reads <paramref name="path"/> into Features (n, columns - 1) float32 and Labels (n): Int64 class indices for classification, float32 targets for regression.
    /// </summary>
    /// <remarks>
    /// Header (when <see cref="CsvOptions.HasHeader"/> is null): the first row is a header when one of its cells is
    /// not a number while the cell below it is (a file of one row: when one of its cells is not a number).
    /// <para/>
    /// Target (when <see cref="CsvOptions.Target"/> is Auto): classification when some target value is not a number,
    /// or when every value is an integer and there are at most <see cref="CsvOptions.MaxClasses"/> (100) distinct
    /// values; otherwise regression. In classification the distinct values, sorted (numerically when all are
    /// numbers, else ordinally as strings), become ClassNames and the labels their indices 0..C-1.
    /// </remarks>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="DataFormatException">A row has the wrong number of cells, a feature (or a regression target)
    /// is not a number, or the file has no data rows.</exception>
    /// <exception cref="ArgumentException">The target column given does not exist, or both a name and an index are given.</exception>
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new CsvOptions();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file not found: {path}", path);
        }
        if (options.TargetColumn is not null && options.TargetIndex is not null)
        {
            throw new ArgumentException("give the target column by name or by index, not both.", nameof(options));
        }

        List<(int Line, string[] Cells)> rows = ReadRows(path, options.Separator);
        if (rows.Count == 0)
        {
            throw new DataFormatException(path, "line 1", "the file has no rows");
        }
        int columns = rows[0].Cells.Length;
        foreach ((int line, string[] cells) in rows)
        {
            if (cells.Length != columns)
            {
                throw new DataFormatException(path, $"line {line}", $"{cells.Length} cells, expected {columns} as in line {rows[0].Line}");
            }
        }
        if (columns < 2)
        {
            throw new DataFormatException(path, $"line {rows[0].Line}", $"{columns} column; a data set needs a target and at least one feature");
        }

        bool hasHeader = options.HasHeader ?? LooksLikeHeader(rows);
        string[]? header = hasHeader ? rows[0].Cells : null;
        int target = TargetIndex(path, header, columns, options);
        List<(int Line, string[] Cells)> data = hasHeader ? rows[1..] : rows;
        if (data.Count == 0)
        {
            throw new DataFormatException(path, $"line {rows[0].Line}", "the file has a header but no data rows");
        }

        // Features: (n, columns - 1), every cell but the target's, row by row.
        var features = new float[data.Count * (columns - 1)];
        int k = 0;
        foreach ((int line, string[] cells) in data)
        {
            for (int j = 0; j < columns; j++)
            {
                if (j != target)
                {
                    features[k++] = (float)ParseNumber(path, line, j, cells[j], header);
                }
            }
        }

        string[] targets = [.. data.Select(row => row.Cells[target])];
        int empty = Array.IndexOf(targets, "");
        if (empty >= 0)
        {
            throw new DataFormatException(path, Location(data[empty].Line, target, header), "empty target cell (missing values are not supported)");
        }
        bool allNumbers = targets.All(t => IsNumber(t, out _));
        TargetKind kind = options.Target;
        if (kind == TargetKind.Auto)
        {
            kind = !allNumbers || IsFewIntegers(targets, options.MaxClasses) ? TargetKind.Classification : TargetKind.Regression;
        }

        string name = Path.GetFileNameWithoutExtension(path);
        var x = Tensor.FromArray(features, [data.Count, columns - 1]);
        if (kind == TargetKind.Regression)
        {
            float[] y = [.. data.Select(row => (float)ParseNumber(path, row.Line, target, row.Cells[target], header))];
            return new Dataset(name, x, Tensor.FromArray(y));
        }
        (long[] labels, string[] classNames) = allNumbers ? NumericClasses(targets) : StringClasses(targets);
        return new Dataset(name, x, Tensor.FromArray(labels), classNames);
    }

    // The non-blank lines as cells, with their 1-based line numbers.
    private static List<(int Line, string[] Cells)> ReadRows(string path, char separator)
    {
        var rows = new List<(int, string[])>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (!string.IsNullOrWhiteSpace(text))
            {
                rows.Add((line, SplitLine(path, line, text, separator)));
            }
        }
        return rows;
    }

    // Splits one line at the separator. A quoted cell may hold separators, and "" for a quote.
    private static string[] SplitLine(string path, int line, string text, char separator)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '"' && i + 1 < text.Length && text[i + 1] == '"')
            {
                cell.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == separator && !quoted)
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        if (quoted)
        {
            throw new DataFormatException(path, $"line {line}", "a quoted cell is not closed on this line (cells spanning lines are not supported)");
        }
        cells.Add(cell.ToString().Trim());
        return [.. cells];
    }

    // The first row is a header when one of its cells is not a number while the cell below it is.
    private static bool LooksLikeHeader(List<(int Line, string[] Cells)> rows)
    {
        string[] first = rows[0].Cells;
        for (int j = 0; j < first.Length; j++)
        {
            bool numberBelow = rows.Count < 2 || IsNumber(rows[1].Cells[j], out _);
            if (!IsNumber(first[j], out _) && numberBelow)
            {
                return true;
            }
        }
        return false;
    }

    private static int TargetIndex(string path, string[]? header, int columns, CsvOptions options)
    {
        if (options.TargetColumn is string name)
        {
            if (header is null)
            {
                throw new ArgumentException($"{path}: the target column '{name}' is given by name, but the file has no header row.", nameof(options));
            }
            int index = Array.IndexOf(header, name);
            return index >= 0 ? index
                : throw new ArgumentException($"{path}: no column named '{name}'; the header has {string.Join(", ", header.Select(h => $"'{h}'"))}.", nameof(options));
        }
        int target = options.TargetIndex ?? -1;
        int normalized = target < 0 ? target + columns : target;
        return normalized >= 0 && normalized < columns ? normalized
            : throw new ArgumentException($"{path}: target column index {target} is out of range for {columns} columns.", nameof(options));
    }

    private static double ParseNumber(string path, int line, int column, string cell, string[]? header)
    {
        if (IsNumber(cell, out double value))
        {
            // features and targets are stored as float32: a larger magnitude would silently become infinity
            return Math.Abs(value) <= float.MaxValue ? value
                : throw new DataFormatException(path, Location(line, column, header), $"'{cell}' is outside the float32 range (±3.4e38)");
        }
        throw new DataFormatException(path, Location(line, column, header), cell.Length == 0 ? "empty cell where a number is expected (missing values are not supported)" : $"'{cell}' is not a number");
    }

    // "line 5, column 3", with the column's header name when there is one.
    private static string Location(int line, int column, string[]? header) =>
        header is null ? $"line {line}, column {column + 1}" : $"line {line}, column {column + 1} ('{header[column]}')";

    // A finite number in the invariant culture: "3", "-0.5", "1e-3"; not "", "NaN", "Infinity" or "1,5".
    private static bool IsNumber(string cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    // True when every value is an integer and there are at most maxClasses distinct ones.
    private static bool IsFewIntegers(string[] targets, int maxClasses)
    {
        var distinct = new HashSet<double>();
        foreach (string t in targets)
        {
            IsNumber(t, out double v);
            if (v != Math.Floor(v) || (distinct.Add(v) && distinct.Count > maxClasses))
            {
                return false;
            }
        }
        return true;
    }

    // Classes from numbers: distinct values in ascending order ("1" and "1.0" are one class, named "1").
    private static (long[] Labels, string[] ClassNames) NumericClasses(string[] targets)
    {
        double[] values = [.. targets.Select(t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture))];
        double[] classes = [.. values.Distinct().Order()];
        var index = new Dictionary<double, int>();
        for (int c = 0; c < classes.Length; c++)
        {
            index[classes[c]] = c;
        }
        return ([.. values.Select(v => (long)index[v])], [.. classes.Select(c => c.ToString(CultureInfo.InvariantCulture))]);
    }

    // Classes from strings: distinct values in ordinal order.
    private static (long[] Labels, string[] ClassNames) StringClasses(string[] targets)
    {
        string[] classes = [.. targets.Distinct().Order(StringComparer.Ordinal)];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < classes.Length; c++)
        {
            index[classes[c]] = c;
        }
        return ([.. targets.Select(t => (long)index[t])], classes);
    }
}

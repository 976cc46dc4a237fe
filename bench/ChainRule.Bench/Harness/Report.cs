using System.Globalization;
using System.Text;

namespace ChainRule.Bench.Harness;

/// <summary>
/// Renders result rows as one table per section, for the console (aligned columns) and as
/// markdown. Columns: workload, unit, the median of each contestant with its spread, then
/// each contestant's ratio to the section's first contestant (the reference, TorchSharp).
/// </summary>
public sealed class Report(IReadOnlyList<(string Key, string Value)> machine, IReadOnlyList<ResultRow> rows, string command, double wallSeconds)
{
    public string ToConsole()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in machine)
            text.AppendLine(CultureInfo.InvariantCulture, $"{key + ":",-12} {value}");
        foreach (var (section, table) in Tables())
        {
            text.AppendLine().AppendLine(section);
            int[] widths = [.. Enumerable.Range(0, table[0].Length).Select(c => table.Max(r => r[c].Length))];
            foreach (var row in table)
                text.AppendLine("  " + string.Join("  ", row.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
            foreach (string note in Notes(section))
                text.AppendLine("  " + note);
        }
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Total wall time: {wallSeconds:F1} s");
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("# Benchmark results").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`  ").AppendLine(CultureInfo.InvariantCulture, $"Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        text.AppendLine("| | |").AppendLine("|---|---|");
        foreach (var (key, value) in machine)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {key} | {value} |");
        text.AppendLine().AppendLine("Each cell is the median over the repetitions, with +- half the range in percent; (*) marks samples " +
            "taken while other processes were busy. A ratio divides a library's median by the first library's; the `better` column says which direction wins.");
        foreach (var (section, table) in Tables())
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"## {section}").AppendLine();
            text.AppendLine("| " + string.Join(" | ", table[0]) + " |");
            text.AppendLine("|" + string.Join("|", table[0].Select((_, c) => c < 2 ? "---" : "---:")) + "|");
            foreach (var row in table.Skip(1))
                text.AppendLine("| " + string.Join(" | ", row) + " |");
            var notes = Notes(section).ToList();
            if (notes.Count > 0)
                text.AppendLine();
            foreach (string note in notes)
                text.AppendLine("- " + note);
        }
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Total wall time: {wallSeconds:F1} s");
        return text.ToString();
    }

    // The rows' notes, then one line on disturbed samples if the section has any.
    private IEnumerable<string> Notes(string section)
    {
        var sectionRows = rows.Where(r => r.Section == section).ToList();
        foreach (var row in sectionRows.Where(r => r.Note.Length > 0))
            yield return $"{row.Workload}: {row.Note}";
        double worst = sectionRows.SelectMany(r => r.Samples.Values).Max(s => s.MaxOtherCores);
        if (worst > Samples.DisturbedCores)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"(*) disturbed: other processes used up to {worst:F2} cores on average during a sample; rerun on a quiet machine or with --wait-idle");
        }
    }

    // Section title to table: header row first, then one row of cells per ResultRow.
    private IEnumerable<(string Section, List<string[]> Table)> Tables()
    {
        foreach (var group in rows.GroupBy(r => r.Section))
        {
            string[] contestants = [.. group.SelectMany(r => r.Samples.Keys).Distinct()];
            string reference = contestants[0];
            string[] others = contestants[1..];
            var table = new List<string[]>
            {
                new[] { "workload", "unit" }
                    .Concat(contestants)
                    .Concat(others.Select(o => $"{o}/{reference}"))
                    .Append("better")
                    .ToArray(),
            };
            foreach (var row in group)
            {
                table.Add(new[] { row.Workload, row.Unit }
                    .Concat(contestants.Select(c => row.Samples.TryGetValue(c, out var s) ? Cell(s, row.Format) : "-"))
                    .Concat(others.Select(o => Ratio(row, o, reference)))
                    .Append(row.Better.ToString().ToLowerInvariant())
                    .ToArray());
            }
            yield return (group.Key, table);
        }
    }

    private static string Cell(Samples samples, string format)
    {
        string median = samples.Median.ToString(format, CultureInfo.InvariantCulture);
        string spread = samples.Values.Count < 2 ? "" : string.Create(CultureInfo.InvariantCulture, $" +-{100 * samples.RelativeSpread:F1}%");
        return median + spread + (samples.IsDisturbed ? " (*)" : "");
    }

    private static string Ratio(ResultRow row, string other, string reference) =>
        row.Samples.TryGetValue(other, out var o) && row.Samples.TryGetValue(reference, out var r) && r.Median != 0
            ? (o.Median / r.Median).ToString("F3", CultureInfo.InvariantCulture)
            : "-";
}

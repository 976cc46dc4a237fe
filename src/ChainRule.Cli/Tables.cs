using ChainRule.Training;
using Spectre.Console;

namespace ChainRule.Cli;

/// <summary>The tables and lines commands print.</summary>
public static class Tables
{
    public static string EpochLine(EpochResult r, int epochs)
    {
        string accuracy = double.IsNaN(r.TrainAccuracy) ? "" : $"  train acc {Percent(r.TrainAccuracy, 2),7}  test acc {Percent(r.TestAccuracy, 2),7}";
        return $"epoch {r.Epoch,3}/{epochs}  train loss {r.TrainLoss:F4}  test loss {r.TestLoss:F4}{accuracy}  {r.Seconds,5:F1} s  {r.SamplesPerSecond,8:N0} samples/s";
    }

    public static Table Epochs(IReadOnlyList<EpochResult> results, bool classification)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("epoch", "train loss", "test loss");
        if (classification)
        {
            table.AddColumns("train acc", "test acc");
        }
        table.AddColumns("seconds", "samples/s");
        foreach (EpochResult r in results)
        {
            string[] cells = classification
                ? [r.Epoch.ToString(), $"{r.TrainLoss:F4}", $"{r.TestLoss:F4}", $"{Percent(r.TrainAccuracy, 2)}", $"{Percent(r.TestAccuracy, 2)}", $"{r.Seconds:F2}", $"{r.SamplesPerSecond:N0}"]
                : [r.Epoch.ToString(), $"{r.TrainLoss:F4}", $"{r.TestLoss:F4}", $"{r.Seconds:F2}", $"{r.SamplesPerSecond:N0}"];
            table.AddRow(cells);
        }
        return table;
    }

    public static Table PerClass(ConfusionMatrix m, IReadOnlyList<string> names)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("class", "precision", "recall", "F1", "support");
        for (int c = 0; c < m.Classes; c++)
        {
            table.AddRow(Markup.Escape(names[c]), $"{m.Precision(c):F4}", $"{m.Recall(c):F4}", $"{m.F1(c):F4}", m.Row(c).ToString());
        }
        return table;
    }

    public static Table Confusion(ConfusionMatrix m, IReadOnlyList<string> names)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn("true \\ predicted");
        for (int c = 0; c < m.Classes; c++)
        {
            table.AddColumn(new TableColumn(Markup.Escape(Short(names[c]))).RightAligned());
        }
        for (int actual = 0; actual < m.Classes; actual++)
        {
            var row = new List<string> { Markup.Escape(names[actual]) };
            for (int predicted = 0; predicted < m.Classes; predicted++)
            {
                long count = m[actual, predicted];
                row.Add(actual == predicted ? $"[bold]{count}[/]" : count == 0 ? "[grey]0[/]" : count.ToString());
            }
            table.AddRow(row.ToArray());
        }
        return table;
    }

    /// <summary>0.9612 -> "96.12%" (invariant culture, no space before the sign).</summary>
    public static string Percent(double fraction, int decimals) =>
        double.IsNaN(fraction) ? "-" : (fraction * 100).ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static string Short(string name) => name.Length <= 8 ? name : name[..7] + ".";
}

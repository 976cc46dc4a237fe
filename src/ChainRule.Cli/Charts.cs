using ChainRule.Training;
using ScottPlot;

namespace ChainRule.Cli;

/// <summary>PNG charts drawn with ScottPlot, returned as bytes so they can be written atomically.</summary>
public static class Charts
{
    /// <summary>Loss (left) and accuracy (right) against epoch, train and test.</summary>
    public static byte[] Curves(IReadOnlyList<EpochResult> results, string title)
    {
        double[] epochs = results.Select(r => (double)r.Epoch).ToArray();
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        Plot loss = multiplot.GetPlot(0);
        loss.Add.Scatter(epochs, results.Select(r => r.TrainLoss).ToArray()).LegendText = "train";
        double[] testLoss = results.Select(r => r.TestLoss).ToArray();
        if (testLoss.All(double.IsFinite))
        {
            loss.Add.Scatter(epochs, testLoss).LegendText = "test";
        }
        Label(loss, $"{title}: loss", "loss", Alignment.UpperRight);

        Plot accuracy = multiplot.GetPlot(1);
        double[] trainAccuracy = results.Select(r => r.TrainAccuracy * 100).ToArray();
        if (trainAccuracy.All(double.IsFinite))
        {
            accuracy.Add.Scatter(epochs, trainAccuracy).LegendText = "train";
            accuracy.Add.Scatter(epochs, results.Select(r => r.TestAccuracy * 100).ToArray()).LegendText = "test";
        }
        Label(accuracy, $"{title}: accuracy", "accuracy (%)", Alignment.LowerRight);
        return multiplot.Render(1000, 400).GetImageBytes(ImageFormat.Png);
    }

    /// <summary>The confusion matrix as a heat map, rows = true class, columns = predicted class.</summary>
    public static byte[] Confusion(ConfusionMatrix m, IReadOnlyList<string> names, string title)
    {
        var counts = new double[m.Classes, m.Classes];
        for (int i = 0; i < m.Classes; i++)
        {
            for (int j = 0; j < m.Classes; j++)
            {
                counts[i, j] = m[i, j];
            }
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(counts);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        for (int i = 0; i < m.Classes; i++)
        {
            for (int j = 0; j < m.Classes; j++)
            {
                var text = plot.Add.Text(m[i, j].ToString(), j, m.Classes - 1 - i);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = m[i, j] > m.Total / m.Classes / 2 ? Colors.Black : Colors.White;
            }
        }
        double[] positions = Enumerable.Range(0, m.Classes).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, names.ToArray());
        plot.Axes.Left.SetTicks(positions, names.Reverse().ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Title($"{title}: confusion matrix ({Tables.Percent(m.Accuracy, 2)} correct)");
        plot.XLabel("predicted");
        plot.YLabel("true");
        return plot.GetImageBytes(800, 700, ImageFormat.Png);
    }

    // The legend goes where the curves are not: late epochs sit low on a loss plot and high on an accuracy plot, so
    // the default upper-right corner hid the accuracy's last epochs.
    private static void Label(Plot plot, string title, string y, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(y);
        plot.ShowLegend(legend);
    }
}

using ChainRule.GaussianProcesses;
using ScottPlot;

namespace ChainRule.Cli;

/// <summary>Pictures of the network-as-a-kernel commands: a GP's mean ± 2σ, and Gram matrices of growing width.</summary>
public static class GpChart
{
    /// <summary>
    /// One input: the posterior mean and its ±2σ band (σ with the noise) over x, with the training points.
    /// Two inputs (the toy set): the test points sorted by predicted mean, each observed target against the band.
    /// </summary>
    public static byte[] Posterior(GpExperimentResult r, string title)
    {
        double[] mean = r.Prediction.Mean.ToDoubleArray();
        double[] std = r.Prediction.PredictiveStd.ToDoubleArray();
        var plot = new Plot();
        double[] xs;
        double[] observed = r.TestTargets.ToDoubleArray();
        if (r.TestInputs.Shape[1] == 1)
        {
            xs = r.TestInputs.ToDoubleArray();
            plot.Add.ScatterPoints(r.TrainInputs.ToDoubleArray(), r.TrainTargets.ToDoubleArray()).LegendText = "training points";
            plot.XLabel("x");
        }
        else
        {
            int[] order = Enumerable.Range(0, mean.Length).OrderBy(i => mean[i]).ToArray();
            mean = order.Select(i => mean[i]).ToArray();
            std = order.Select(i => std[i]).ToArray();
            observed = order.Select(i => observed[i]).ToArray();
            xs = Enumerable.Range(0, mean.Length).Select(i => (double)i).ToArray();
            var points = plot.Add.ScatterPoints(xs, observed);
            points.LegendText = "test targets";
            points.MarkerSize = 3;
            plot.XLabel("test point, sorted by predicted mean");
        }
        var band = plot.Add.FillY(xs, mean.Zip(std, (m, s) => m - (2 * s)).ToArray(), mean.Zip(std, (m, s) => m + (2 * s)).ToArray());
        band.FillColor = Colors.SteelBlue.WithAlpha(0.3);
        band.LegendText = "mean ± 2σ (σ includes the noise)";
        var line = plot.Add.ScatterLine(xs, mean);
        line.LineWidth = 2;
        line.LegendText = "posterior mean";
        plot.Title(title);
        plot.YLabel("y");
        plot.ShowLegend();
        return plot.GetImageBytes(1000, 600, ImageFormat.Png);
    }

    /// <summary>Gram matrices side by side: K_N for each width, then K_∞, on K_∞'s colour scale.</summary>
    public static byte[] Grams(IReadOnlyList<(string Title, Tensor Gram)> grams)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(grams.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        // one colour scale for all, that of the last matrix (K_inf): a narrow network's outliers saturate instead of washing it out
        double low = grams[^1].Gram.Min().Item(), high = grams[^1].Gram.Max().Item();
        for (int p = 0; p < grams.Count; p++)
        {
            Tensor k = grams[p].Gram;
            int n = k.Shape[0];
            double[] values = k.ToDoubleArray();
            var cells = new double[n, n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    cells[i, j] = values[(i * n) + j];
                }
            }
            Plot plot = multiplot.GetPlot(p);
            var heatmap = plot.Add.Heatmap(cells);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            heatmap.ManualRange = new ScottPlot.Range(low, high);
            plot.Title(grams[p].Title);
        }
        return multiplot.Render(300 * grams.Count, 330).GetImageBytes(ImageFormat.Png);
    }
}

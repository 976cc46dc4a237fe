using ChainRule.Training;
using ScottPlot;

namespace ChainRule.Cli;

/// <summary>The picture of a function fit: target and fit against x (top), and the absolute error (bottom).</summary>
public static class FitChart
{
    public static byte[] Render(FunctionFitResult result, string title)
    {
        ArgumentNullException.ThrowIfNull(result);
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();

        Plot curves = multiplot.GetPlot(0);
        var target = curves.Add.ScatterLine(result.X, result.Target);
        target.LegendText = "target";
        target.LineWidth = 3;
        var fit = curves.Add.ScatterLine(result.X, result.Fit);
        fit.LegendText = "network";
        fit.LineWidth = 2;
        fit.LinePattern = LinePattern.Dashed;
        curves.Title(title);
        curves.XLabel("x");
        curves.ShowLegend();

        Plot error = multiplot.GetPlot(1);
        error.Add.ScatterLine(result.X, result.Error);
        error.Title($"absolute error: max {Format(result.Errors.Max)}, mean {Format(result.Errors.Mean)}");
        error.XLabel("x");
        error.YLabel("|error|");
        return multiplot.Render(900, 800).GetImageBytes(ImageFormat.Png);
    }

    internal static string Format(double value) => value.ToString("0.###e+0", System.Globalization.CultureInfo.InvariantCulture);
}

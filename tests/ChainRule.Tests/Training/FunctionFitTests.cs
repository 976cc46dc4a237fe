using ChainRule.Explain;
using ChainRule.Training;

namespace ChainRule.Tests.Training;

// MISSION 5, universal approximation: one hidden layer, and the error falls as units are added.
public class FunctionFitTests
{
    private static FunctionFitResult Fit(string function, int hidden, bool solve = true, int epochs = 600) =>
        FunctionFit.Fit(Expression.Parse(function), new FunctionFitOptions { Hidden = hidden, Epochs = epochs, SolveOutputLayer = solve, Samples = 128, GridPoints = 500 });

    [Fact]
    public void More_hidden_units_drive_the_error_down()
    {
        double[] errors = [.. new[] { 2, 8, 32 }.Select(h => Fit("sin(3*x)", h).Errors.Max)];

        Assert.True(errors[0] > 0.05, $"2 units: max error {errors[0]}");
        Assert.True(errors[1] < errors[0] / 10, $"8 units: max error {errors[1]}, 2 units {errors[0]}");
        Assert.True(errors[2] < 1e-6, $"32 units: max error {errors[2]} (the notes' epsilon is 1e-6)");
    }

    [Fact]
    public void Adam_alone_fits_too_and_solving_the_output_layer_only_improves_it()
    {
        FunctionFitResult adam = Fit("x^2 - 0.5*x", 16, solve: false);
        FunctionFitResult solved = Fit("x^2 - 0.5*x", 16);

        Assert.Equal(adam.Errors, adam.AdamErrors);
        Assert.True(adam.Errors.Max < 0.05, $"Adam alone: max error {adam.Errors.Max}");
        Assert.Equal(adam.AdamErrors, solved.AdamErrors); // the same seed, the same Adam run
        Assert.True(solved.Errors.Max < solved.AdamErrors.Max);
    }

    [Fact]
    public void The_range_is_respected_and_errors_are_in_the_function_units()
    {
        FunctionFitResult r = FunctionFit.Fit(Expression.Parse("100*exp(x)"), new FunctionFitOptions { Low = 0, High = 3, Hidden = 16, Epochs = 300 });

        Assert.Equal(1000, r.X.Length);
        Assert.Equal(0, r.X[0]);
        Assert.Equal(3, r.X[^1], 12);
        Assert.Equal(100 * Math.Exp(3), r.Target[^1], 8);
        Assert.Equal(r.Errors.Max, r.Error.Max());
    }

    [Theory]
    [InlineData("sin(3*y)", "fit: the function may use only x, but it uses 'y'.")]
    [InlineData("sum(x)", "fit: the function must give one value per x, elementwise (sum, mean and @ do not); it gave shape ().")]
    [InlineData("log(x)", "fit: the function is not finite everywhere on the range (log or sqrt of a negative number, or a division by zero?).")]
    public void Unsuitable_functions_are_refused(string function, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Fit(function, 4, epochs: 1));

        Assert.Equal(message, error.Message);
    }
}

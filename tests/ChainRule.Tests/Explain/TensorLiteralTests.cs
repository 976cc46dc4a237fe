using ChainRule.Explain;

namespace ChainRule.Tests.Explain;

public class TensorLiteralTests
{
    [Theory]
    [InlineData("5", new int[0], new[] { 5.0 })]
    [InlineData(" -2.5e-1 ", new int[0], new[] { -0.25 })]
    [InlineData("[1, 2, 3]", new[] { 3 }, new[] { 1.0, 2, 3 })]
    [InlineData("[[1,0],[2,1],[0,1]]", new[] { 3, 2 }, new[] { 1.0, 0, 2, 1, 0, 1 })]
    [InlineData("[[[1],[2]],[[3],[4]]]", new[] { 2, 2, 1 }, new[] { 1.0, 2, 3, 4 })]
    public void Parse_reads_numbers_and_nested_lists_as_float64(string text, int[] shape, double[] values)
    {
        Tensor t = TensorLiteral.Parse(text);

        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal(new Shape(shape), t.Shape);
        Assert.Equal(values, t.ToDoubleArray());
    }

    [Theory]
    [InlineData("x=[[1,1],[1]]", "value x column 10: this item has shape (1,) but the first item of its list, at column 4, has shape (2,)")]
    [InlineData("x=[[1,2],[3,4]", "value x column 15: expected ']' to close the '[' at column 3")]
    [InlineData("x=[1 2]", "value x column 6: expected ',' or ']'")]
    [InlineData("x=[]", "value x column 4: expected a number or '[', found ']'")]
    [InlineData("x=", "value x column 3: expected a number or '['")]
    [InlineData("a=1.2.3", "value a column 3: '1.2.3' is not a number")]
    [InlineData("a=5]", "value a column 4: unexpected text after the value")]
    [InlineData("5", "'5': give a value as NAME=VALUE, e.g. a=5 or x=[[1,2],[3,4]]")]
    [InlineData("2a=5", "'2a=5': give a value as NAME=VALUE, e.g. a=5 or x=[[1,2],[3,4]]")]
    public void ParseAssignments_reports_the_column_within_the_argument(string assignment, string message)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => TensorLiteral.ParseAssignments([assignment]));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ParseAssignments_refuses_a_name_given_twice()
    {
        var error = Assert.Throws<ArgumentException>(() => TensorLiteral.ParseAssignments(["a=1", "a=2"]));

        Assert.Equal("'a' is given a value twice", error.Message);
    }
}

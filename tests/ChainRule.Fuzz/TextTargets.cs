using System.Globalization;
using System.Text;
using ChainRule.Data;
using ChainRule.Explain;
using ChainRule.NN;

namespace ChainRule.Fuzz;

/// <summary>Csv.Load with the default options: headers, class names, quoted cells, regression targets, other separators' lookalikes.</summary>
public sealed class CsvTarget : FuzzTarget
{
    public override string Name => "csv";

    public override string? Names => "fuzz.csv: line ";

    public override IReadOnlyList<Type> Refusals => [typeof(DataFormatException)];

    public override bool IsText => true;

    public override IReadOnlyList<string> Tokens => [",", "\"", "\"\"", "\n", "\r\n", " ", "1", "-2.5", "1e38", "4e38", "NaN", "x", "", "\t", ";"];

    /// <summary>A classification CSV of <paramref name="rows"/> rows: a header, four features and the labels a, b and c.</summary>
    public static string Sample(int rows)
    {
        var text = new StringBuilder("f1,f2,f3,f4,label\n");
        var random = new Random(4);
        for (int i = 0; i < rows; i++)
        {
            int label = i % 3;
            text.AppendLine(CultureInfo.InvariantCulture, $"{label + random.NextDouble():F3},{random.NextDouble() * 10:F2},{-label * 2.5 + random.NextDouble():F4},{random.Next(100)},{(char)('a' + label)}");
        }
        return text.ToString();
    }

    public override IReadOnlyList<byte[]> CreateSeeds(string directory) =>
    [
        Encoding.UTF8.GetBytes(Sample(12)),
        "1,2,0\n3,4,1\n\n5,6,0\n"u8.ToArray(),
        "\"x, y\",z,target\n1.5,2e-3,0.25\n-7,8,9.5\n1,1,3.75\n"u8.ToArray(),
        "a,b\n1,\"he said \"\"no\"\"\"\n2,yes\n"u8.ToArray(),
    ];

    public override void Read(byte[] input, string directory) => Csv.Load(WriteFile(directory, "fuzz.csv", input));
}

/// <summary>
/// Expression.Parse, then Explanation.Create (what 'chainrule explain' prints) with a value for every input: one
/// number each, or 2 x 2 matrices when the text has '@'.
/// </summary>
public sealed class ExpressionTarget : FuzzTarget
{
    public override string Name => "expression";

    // ExpressionException is an ArgumentException; Explanation.Create documents ArgumentException.
    public override IReadOnlyList<Type> Refusals => [typeof(ExpressionException), typeof(ArgumentException)];

    public override bool IsText => true;

    public override IReadOnlyList<string> Tokens =>
        ["a", "b", "x", "w", "u", "J", "=", ";", "+", "-", "*", "/", "^", "@", "(", ")", ",", "1", "0", "2.5", "1e308", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "sum", "mean"];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory) =>
    [
        .. new[]
        {
            "3*(a + a*b*c)",
            "u = a*b*c; V = a + u; J = 3*V",
            "sum(relu(x @ w + b))",
            "mean((x @ w - y)^2)",
            "exp(-a^2)/sqrt(b) - log(c)",
            "sigmoid(a)*tanh(b) + sin(a)*cos(b); ",
            "p = a - b / c; q = p ^ 2 ^ 0.5; r = -q; r * p",
            "s = 2^3 * a; t = s + 1e-3; t/s",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    public override void Read(byte[] input, string directory)
    {
        string text = Encoding.UTF8.GetString(input);
        Expression expression = Expression.Parse(text);
        bool matrices = text.Contains('@', StringComparison.Ordinal);
        var values = expression.Inputs.ToDictionary(name => name, name => matrices
            ? Tensor.FromArray(new double[] { 1, -2, 0.5, 3 }, [2, 2])
            : Tensor.Scalar(1.5 + (name.Length % 3), DType.Float64));
        _ = Explanation.Create(expression, values).Lines;
    }
}

/// <summary>TensorLiteral.Parse, and ParseAssignments for text with '=' (the values 'chainrule explain' takes).</summary>
public sealed class TensorLiteralTarget : FuzzTarget
{
    public override string Name => "tensor-literal";

    public override IReadOnlyList<Type> Refusals => [typeof(ExpressionException), typeof(ArgumentException)];

    public override bool IsText => true;

    public override IReadOnlyList<string> Tokens => ["[", "]", ",", " ", "1", "-2.5e-3", "+", "e", ".", "=", "x", "1e400", "[]"];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory) =>
    [
        .. new[] { "[[1,0],[2,1],[0,1]]", "5", "-2.5e-3", "[[[1,2],[3,4]],[[5,6],[7,8]]]", "[ 1 , 2 , 3 ]", "x=[[1,2],[3,4]] b=3 c=[0.5]" }
            .Select(Encoding.UTF8.GetBytes),
    ];

    public override void Read(byte[] input, string directory)
    {
        string text = Encoding.UTF8.GetString(input);
        if (text.Contains('=', StringComparison.Ordinal))
        {
            TensorLiteral.ParseAssignments(text.Split(' '));
        }
        else
        {
            TensorLiteral.Parse(text);
        }
    }
}

/// <summary>
/// The --arch spec: Architecture.ParameterCount for an input shape, then Build when the network is small. An input reads
/// "C x H x W : spec" so the shape is mutated too (a shape that does not parse becomes 1 x 28 x 28).
/// </summary>
public sealed class ArchitectureTarget : FuzzTarget
{
    private const long MaxBuilt = 2_000_000; // parameters: larger networks are counted, not built (they are valid, just big)

    public override string Name => "architecture";

    public override string? Names => "architecture";

    public override IReadOnlyList<Type> Refusals => [typeof(FormatException), typeof(ArgumentException)];

    public override bool IsText => true;

    public override IReadOnlyList<string> Tokens =>
        ["-", "conv", "k", "s", "p", "d", "g", "pool", "maxpool", "avgpool", "gap", "bn", "ln", "relu", "leakyrelu", "gelu", "tanh", "sigmoid",
         "fc", "flatten", "dropout", "dropout2d", "0.3", "1", "3", "1048576", "2147483647", "x", ":"];

    public override IReadOnlyList<byte[]> CreateSeeds(string directory) =>
    [
        .. new[]
        {
            "1x28x28:" + Architecture.DefaultCnn(10),
            "3x16x16:conv8k3s2p1d1g1-bn-relu-avgpool2s2-gap-fc10",
            "784:fc128-relu-dropout0.3-fc10",
            "1x12x12:conv4k3-ln-gelu-maxpool2-flatten-fc10-sigmoid",
            "2x20x20:conv16k5p0d2g2-leakyrelu-dropout2d0.1-pool2s1-fc10-tanh",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    public override void Read(byte[] input, string directory)
    {
        string text = Encoding.UTF8.GetString(input);
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string spec = colon < 0 ? text : text[(colon + 1)..];
        string[] dims = colon < 0 ? [] : text[..colon].Split('x');
        int[] shape = dims.Length > 0 && dims.All(d => int.TryParse(d, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            ? [.. dims.Select(d => int.Parse(d, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))]
            : [1, 28, 28];
        if (Architecture.ParameterCount(spec, shape) <= MaxBuilt)
        {
            Architecture.Build(spec, shape, new Generator(5));
        }
    }
}

using ChainRule.Explain;

namespace ChainRule.Cli.Tests;

// chainrule explain, run in-process through Program.Run as a user would type it.
public sealed class ExplainCommandTests : IDisposable
{
    private static readonly string[] s_example21 = ["x=[[1,1],[1,1],[1,1]]", "y=[[0.5,0.5],[0.5,0.5]]", "z=[[0.25,0.25],[0.25,0.25],[0.25,0.25]]"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "chainrule-explain-" + Guid.NewGuid().ToString("N"));

    public ExplainCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Example_1_1_prints_the_notes_sum_over_paths()
    {
        (int code, string output, string error) = Run("explain", "3*(a + a*b*c)", "a=5", "b=3", "c=2");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        string[] lines = Lines(output);
        Assert.Contains("  dJ/da = dJ/dV·dV/da + dJ/dV·dV/du·du/da = 3·1 + 3·1·6 = 21", lines);
        Assert.Contains("  dJ/db = dJ/dV·dV/du·du/db = 3·1·10 = 30", lines);
        Assert.Contains("  dJ/dc = dJ/dV·dV/du·du/dc = 3·1·15 = 45", lines);
        Assert.Contains("  J  Multiply  3·V = 105", lines);
    }

    [Fact]
    public void Example_2_1_prints_what_the_library_explains()
    {
        (int code, string output, _) = Run(["explain", "O = sum(x @ y + z)", .. s_example21]);

        Assert.Equal(0, code);
        Explanation expected = Explanation.Create("O = sum(x @ y + z)", TensorLiteral.ParseAssignments(s_example21));
        Assert.Equal(expected.Lines, Lines(output));
        Assert.Contains("      g_y = x^T @ g_u = [[3, 3], [3, 3]]", Lines(output));
    }

    [Fact]
    public void Example_2_2_prints_M_plus_ones_for_z()
    {
        (int code, string output, _) = Run(["explain", "O = sum((x @ y + z) * M + z)", .. s_example21, "M=[[1,0],[2,1],[0,1]]"]);

        Assert.Equal(0, code);
        Assert.Contains("    dO/dz = [[1, 0], [2, 1], [0, 1]] + [[1, 1], [1, 1], [1, 1]] = [[2, 1], [3, 2], [1, 2]]", Lines(output));
    }

    [Theory]
    [InlineData(new[] { "explain", "3*(a + b", "a=1", "b=2" }, "chainrule: expression column 9: expected ')' to close the '(' at column 3")]
    [InlineData(new[] { "explain", "3*(a + a*b*c)", "a=5", "b=3" }, "chainrule: expression column 12: no value for 'c' (give it as c=VALUE)")]
    [InlineData(new[] { "explain", "sqrtt(a)", "a=1" }, "chainrule: expression column 1: unknown function 'sqrtt'; the functions are exp, log, sqrt, sin, cos, tanh, sigmoid, relu, sum, mean")]
    [InlineData(new[] { "explain", "sum(x)", "x=[[1,2],[3]]" }, "chainrule: value x column 10: this item has shape (1,) but the first item of its list, at column 4, has shape (2,)")]
    [InlineData(new[] { "explain", "sum(x @ y)", "x=[[1,2]]", "y=[[1,2]]" }, "chainrule: expression column 7: matmul: (1, 2) @ (1, 2): inner dimensions 2 and 1 differ.")]
    [InlineData(new[] { "explain", "a + b", "a=1", "b=2", "--graph", "g.pdf" }, "chainrule: --graph g.pdf: the picture must be a .svg, .png or .dot file.")]
    public void A_problem_is_one_line_on_stderr_and_a_non_zero_exit(string[] args, string message)
    {
        (int code, string output, string error) = Run(args);

        Assert.Equal(1, code);
        Assert.Equal(message, error.TrimEnd('\n'));
        Assert.DoesNotContain('\n', error.TrimEnd('\n'));
        Assert.Equal("", output); // a bad --graph extension too is found before the explanation is printed
    }

    [Fact]
    public void Graph_dot_is_written_without_Graphviz()
    {
        string path = Path.Combine(_directory, "graph.dot");

        (int code, string output, _) = Run("explain", "3*(a + a*b*c)", "a=5", "b=3", "c=2", "--graph", path);

        Assert.Equal(0, code);
        Assert.Contains($"wrote {path} (render it with: dot -Tsvg {path} -o graph.svg", output, StringComparison.Ordinal);
        Assert.Equal(!DotIsInstalled(), output.Contains(GraphPicture.InstallHint, StringComparison.Ordinal));
        string dot = File.ReadAllText(path);
        Assert.StartsWith("digraph computational_graph {", dot, StringComparison.Ordinal);
        Assert.Contains("label=\"a\\n5\\ngrad 21\"", dot, StringComparison.Ordinal);
    }

    // Renders with Graphviz where it is installed (CI installs it); elsewhere checks the fallback and the hint.
    [Theory]
    [InlineData("graph.svg")]
    [InlineData("graph.png")]
    public void Graph_pictures_are_rendered_by_dot_or_the_dot_text_and_install_hint_are_given(string name)
    {
        string path = Path.Combine(_directory, name);

        (int code, string output, string error) = Run("explain", "O = sum((x @ y + z) * M + z)", "x=[[1,1],[1,1],[1,1]]",
            "y=[[0.5,0.5],[0.5,0.5]]", "z=[[0.25,0.25],[0.25,0.25],[0.25,0.25]]", "M=[[1,0],[2,1],[0,1]]", "--graph", path);

        Assert.Contains("O.Backward() accumulates the same gradients", output, StringComparison.Ordinal);
        if (DotIsInstalled())
        {
            Assert.Equal(0, code);
            byte[] picture = File.ReadAllBytes(path);
            if (name.EndsWith(".svg", StringComparison.Ordinal))
            {
                string svg = System.Text.Encoding.UTF8.GetString(picture);
                Assert.Contains("<svg", svg, StringComparison.Ordinal);
                Assert.Contains("grad [[2, 1], [3, 2], [1, 2]]", svg, StringComparison.Ordinal); // dO/dz = M + 1
            }
            else
            {
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], picture[..4]);
            }
        }
        else
        {
            AssertFallback(code, error, path);
        }
        Assert.Empty(Directory.GetFiles(_directory, ".*.tmp")); // written atomically, nothing left behind
    }

    [Fact]
    public void Without_dot_the_dot_text_is_written_and_the_hint_says_how_to_install_Graphviz()
    {
        string path = Path.Combine(_directory, "graph.svg");
        var a = new Variable(Tensor.Scalar(2.0), name: "a");

        var error = Assert.Throws<UserException>(() => GraphPicture.Write(3 * a, path, title: null, dotProgram: "no-such-dot-program-here"));

        AssertFallback(1, $"chainrule: {error.Message}", path);
        string dotPath = Path.Combine(_directory, "graph.dot");
        Assert.Equal(
            $"wrote {dotPath} (render it with: dot -Tsvg {dotPath} -o graph.svg; install Graphviz: sudo apt-get install graphviz)",
            GraphPicture.Write(3 * a, dotPath, title: null, dotProgram: "no-such-dot-program-here"));
    }

    private static void AssertFallback(int code, string error, string path)
    {
        string dot = Path.ChangeExtension(path, ".dot");
        Assert.Equal(1, code);
        Assert.Contains($"wrote {dot} instead", error, StringComparison.Ordinal);
        Assert.EndsWith("install Graphviz: sudo apt-get install graphviz", error.TrimEnd('\n'), StringComparison.Ordinal);
        Assert.StartsWith("digraph", File.ReadAllText(dot), StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    private static bool DotIsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "dot")));

    internal static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }

    private static string[] Lines(string output) => output.TrimEnd('\n').Split('\n');
}

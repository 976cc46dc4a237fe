using ChainRule.Explain;

namespace ChainRule.Tests.Explain;

// The explanations of MISSION 1.1, 2.1 and 2.2, line by line: the notes' names and numbers, exactly.
public class MissionExplanationTests
{
    private static readonly Dictionary<string, Tensor> s_example21 = TensorLiteral.ParseAssignments(
        ["x=[[1,1],[1,1],[1,1]]", "y=[[0.5,0.5],[0.5,0.5]]", "z=[[0.25,0.25],[0.25,0.25],[0.25,0.25]]"]);

    private static Dictionary<string, Tensor> Example22() =>
        new(s_example21) { ["M"] = TensorLiteral.Parse("[[1,0],[2,1],[0,1]]") };

    [Fact]
    public void Example_1_1_reads_as_the_notes_write_it()
    {
        Explanation e = Explanation.Create("3*(a + a*b*c)", Scalars(("a", 5), ("b", 3), ("c", 2)));

        string[] expected =
        [
            "Forward pass (one line per node: name, Function, value):",
            "  a  input     5",
            "  b  input     3",
            "  c  input     2",
            "  u  Multiply  a·b·c = 30",
            "  V  Add       a + u = 35",
            "  J  Multiply  3·V = 105",
            "",
            "Local derivatives (autograd on each node alone, its operands as separate leaves):",
            "  dJ/dV = 3",
            "  dV/da = 1",
            "  dV/du = 1",
            "  du/da = b·c = 6",
            "  du/db = a·c = 10",
            "  du/dc = a·b = 15",
            "",
            "Chain rule (the sum over the paths from J to each input):",
            "  dJ/da = dJ/dV·dV/da + dJ/dV·dV/du·du/da = 3·1 + 3·1·6 = 21",
            "  dJ/db = dJ/dV·dV/du·du/db = 3·1·10 = 30",
            "  dJ/dc = dJ/dV·dV/du·du/dc = 3·1·15 = 45",
            "",
            "J.Backward() accumulates the same gradients: a.Grad = 21, b.Grad = 30, c.Grad = 45",
        ];
        Assert.Equal(expected, e.Lines);
        Assert.Equal(105, e.Output.Item());
    }

    [Fact]
    public void Example_1_1_with_the_notes_names_written_out_gives_the_same_lines()
    {
        Explanation named = Explanation.Create("u = a*b*c; V = a + u; J = 3*V", Scalars(("a", 5), ("b", 3), ("c", 2)));
        Explanation unnamed = Explanation.Create("3*(a + a*b*c)", Scalars(("a", 5), ("b", 3), ("c", 2)));

        Assert.Equal(unnamed.Lines, named.Lines);
    }

    [Fact]
    public void Example_2_1_shows_the_vector_Jacobian_products_and_the_shapes_of_the_gradients()
    {
        Explanation e = Explanation.Create("O = sum(x @ y + z)", s_example21);

        string[] expected =
        [
            "Forward pass (one line per node: name, Function, value):",
            "  x  input   [[1, 1], [1, 1], [1, 1]]",
            "  y  input   [[0.5, 0.5], [0.5, 0.5]]",
            "  z  input   [[0.25, 0.25], [0.25, 0.25], [0.25, 0.25]]",
            "  u  MatMul  x @ y = [[1, 1], [1, 1], [1, 1]]",
            "  V  Add     u + z = [[1.25, 1.25], [1.25, 1.25], [1.25, 1.25]]",
            "  O  Sum     sum(V) = 7.5",
            "",
            "Chain rule, path by path: g_n is dO/dn along the path, shaped like n; each step is the vector-Jacobian product",
            "that Backward computes, starting from g_O = 1.",
            "  dO/dx (1 path):",
            "    O → V → u → x",
            "      g_V = g_O·ones(3x2) = [[1, 1], [1, 1], [1, 1]]",
            "      g_u = g_V = [[1, 1], [1, 1], [1, 1]]",
            "      g_x = g_u @ y^T = [[1, 1], [1, 1], [1, 1]]",
            "    dO/dx = [[1, 1], [1, 1], [1, 1]]",
            "  dO/dy (1 path):",
            "    O → V → u → y",
            "      g_V = g_O·ones(3x2) = [[1, 1], [1, 1], [1, 1]]",
            "      g_u = g_V = [[1, 1], [1, 1], [1, 1]]",
            "      g_y = x^T @ g_u = [[3, 3], [3, 3]]",
            "    dO/dy = [[3, 3], [3, 3]]",
            "  dO/dz (1 path):",
            "    O → V → z",
            "      g_V = g_O·ones(3x2) = [[1, 1], [1, 1], [1, 1]]",
            "      g_z = g_V = [[1, 1], [1, 1], [1, 1]]",
            "    dO/dz = [[1, 1], [1, 1], [1, 1]]",
            "",
            "O.Backward() accumulates the same gradients (largest difference from the path sums: 0).",
        ];
        Assert.Equal(expected, e.Lines);
    }

    [Fact]
    public void Example_2_2_sums_two_paths_to_z_into_M_plus_ones()
    {
        Explanation e = Explanation.Create("O = sum((x @ y + z) * M + z)", Example22());

        Assert.Contains("  w  Add       p + z = [[1.25, 1.25], [1.25, 1.25], [1.25, 1.25]]", e.Lines);
        Assert.Contains("  u  Multiply  w ⊙ M = [[1.25, 0], [2.5, 1.25], [0, 1.25]]", e.Lines);
        string[] z = Section(e, "  dO/dz");
        string[] expected =
        [
            "  dO/dz (2 paths):",
            "    path 1: O → V → u → w → z",
            "      g_V = g_O·ones(3x2) = [[1, 1], [1, 1], [1, 1]]",
            "      g_u = g_V = [[1, 1], [1, 1], [1, 1]]",
            "      g_w = g_u ⊙ M = [[1, 0], [2, 1], [0, 1]]",
            "      g_z = g_w = [[1, 0], [2, 1], [0, 1]]",
            "    path 2: O → V → z",
            "      g_V = g_O·ones(3x2) = [[1, 1], [1, 1], [1, 1]]",
            "      g_z = g_V = [[1, 1], [1, 1], [1, 1]]",
            "    dO/dz = [[1, 0], [2, 1], [0, 1]] + [[1, 1], [1, 1], [1, 1]] = [[2, 1], [3, 2], [1, 2]]",
        ];
        Assert.Equal(expected, z);
        Tensor m = TensorLiteral.Parse("[[1,0],[2,1],[0,1]]");
        Assert.Equal((m + 1).ToDoubleArray(), e.Gradients.Single(g => g.Input == "z").PathSum!.ToDoubleArray());
    }

    [Fact]
    public void Example_2_1_unnamed_calls_the_output_J()
    {
        Explanation e = Explanation.Create("sum(x @ y + z)", s_example21);

        Assert.Equal("J", e.OutputName);
        Assert.Contains("  J  Sum     sum(V) = 7.5", e.Lines);
        Assert.Contains("    dJ/dy = [[3, 3], [3, 3]]", e.Lines);
    }

    internal static Dictionary<string, Tensor> Scalars(params (string Name, double Value)[] values) =>
        values.ToDictionary(v => v.Name, v => Tensor.Scalar(v.Value, DType.Float64));

    // The lines of one input's block: from its heading to the line before the next heading at the same indent.
    private static string[] Section(Explanation e, string heading)
    {
        int start = e.Lines.ToList().FindIndex(l => l.StartsWith(heading, StringComparison.Ordinal));
        int end = start + 1;
        while (end < e.Lines.Count && e.Lines[end].StartsWith("    ", StringComparison.Ordinal))
        {
            end++;
        }
        return e.Lines.Skip(start).Take(end - start).ToArray();
    }
}

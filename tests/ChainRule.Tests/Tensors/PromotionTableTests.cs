using System.Text.Json;

namespace ChainRule.Tests.Tensors;

// ChainRule against what PyTorch 1.13 does, pair by pair: tests/fixtures/torch/promotion.json was generated
// by tests/fixtures/torch/promotion.py with Debian's python3-torch and is committed. For every pair of dtypes
// and every op the table gives the result's dtype and values, or the error torch raises; ChainRule must give
// the same dtype and values, or refuse too (one ArgumentException line naming the op and the dtypes).
public class PromotionTableTests
{
    private static readonly JsonElement Table = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "torch", "promotion.json"))).RootElement;

    private static readonly Dictionary<string, Func<Tensor, Tensor, Tensor>> BinaryOps = new()
    {
        ["add"] = (a, b) => a + b,
        ["sub"] = (a, b) => a - b,
        ["mul"] = (a, b) => a * b,
        ["div"] = (a, b) => a / b,
        ["floordiv"] = Tensor.FloorDivide,
        ["remainder"] = (a, b) => a % b,
        ["eq"] = (a, b) => a == b,
        ["lt"] = (a, b) => a < b,
        ["maximum"] = Tensor.Maximum,
        ["minimum"] = Tensor.Minimum,
        ["logical_and"] = Tensor.LogicalAnd,
        ["logical_xor"] = Tensor.LogicalXor,
        ["bitwise_and"] = (a, b) => a & b,
        ["bitwise_or"] = (a, b) => a | b,
        ["where"] = (a, b) => Tensor.Where(Tensor.FromArray(Bools("x_bool")), a, b),
    };

    private static readonly Dictionary<string, Func<Tensor, Tensor>> UnaryOps = new()
    {
        ["neg"] = a => -a,
        ["abs"] = Tensor.Abs,
        ["sign"] = Tensor.Sign,
        ["exp"] = Tensor.Exp,
        ["sqrt"] = Tensor.Sqrt,
        ["tanh"] = Tensor.Tanh,
        ["relu"] = Tensor.Relu,
        ["logical_not"] = Tensor.LogicalNot,
        ["bitwise_not"] = a => ~a,
    };

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (JsonElement row in Table.GetProperty("pairs").EnumerateArray())
        {
            data.Add(row.GetProperty("a").GetString()!, row.GetProperty("b").GetString()!);
        }
        return data;
    }

    public static TheoryData<string> Types() => [.. DTypes.All.Select(d => d.Name())];

    [Fact]
    public void The_table_covers_every_pair_and_comes_from_torch_1_13()
    {
        Assert.StartsWith("1.13", Table.GetProperty("torch").GetString());
        Assert.Equal(36, Table.GetProperty("pairs").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Binary_ops_promote_compute_and_refuse_as_torch(string a, string b)
    {
        JsonElement row = Row("pairs", a, b);
        Tensor x = Values(a, 0), y = Values(b, 1);
        Assert.Equal(row.GetProperty("result_type").GetString(), DTypes.ResultType(x, y).Name());
        foreach ((string op, Func<Tensor, Tensor, Tensor> f) in BinaryOps)
        {
            Check(row.GetProperty(op), () => f(x, y), $"{a} {op} {b}");
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void A_zero_dim_operand_changes_the_kind_not_the_width(string a, string b)
    {
        JsonElement row = Row("zero_dim", a, b);
        Tensor x = Values(a, 0), zero = Values(b, 1).Select(0, 0);
        Assert.Equal(0, zero.Rank);
        Assert.Equal(row.GetProperty("result_type").GetString(), DTypes.ResultType(x, zero).Name());
        Check(row.GetProperty("add"), () => x + zero, $"{a} + 0-d {b}");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Csharp_scalars_take_the_tensors_kind(string a)
    {
        foreach (JsonElement row in Table.GetProperty("scalars").EnumerateArray().Where(r => r.GetProperty("a").GetString() == a))
        {
            JsonElement scalar = row.GetProperty("scalar");
            if (scalar.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                continue; // C# bools are not arithmetic operands
            }
            Tensor x = Values(a, 0);
            bool integer = scalar.GetRawText().All(c => char.IsDigit(c) || c == '-');
            Tensor result = integer ? x * scalar.GetInt64() : x * scalar.GetDouble();
            Assert.Equal(row.GetProperty("result_type").GetString(), result.DType.Name());
            Check(row.GetProperty("mul"), () => result, $"{a} * {scalar}");
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Unary_ops_and_reductions_follow_torch(string a)
    {
        JsonElement unary = Table.GetProperty("unary").EnumerateArray().Single(r => r.GetProperty("a").GetString() == a);
        foreach ((string op, Func<Tensor, Tensor> f) in UnaryOps)
        {
            // exp, sqrt and tanh are approximations in both libraries: equal to a few units in the last place
            Check(unary.GetProperty(op), () => f(Values(a, 0)), $"{op} {a}", approximate: op is "exp" or "sqrt" or "tanh");
        }
        JsonElement reductions = Table.GetProperty("reductions").EnumerateArray().Single(r => r.GetProperty("a").GetString() == a);
        Check(reductions.GetProperty("sum"), () => Values(a, 0).Sum().Reshape(1), $"sum {a}");
        Check(reductions.GetProperty("mean"), () => Values(a, 0).Mean().Reshape(1), $"mean {a}");
        Check(reductions.GetProperty("max"), () => Values(a, 0).Max().Reshape(1), $"max {a}");
        Check(reductions.GetProperty("argmax"), () => Values(a, 0).ArgMax().Reshape(1), $"argmax {a}");
    }

    [Fact]
    public void Integer_overflow_wraps_and_integer_division_by_zero_is_refused()
    {
        foreach (JsonElement row in Table.GetProperty("overflow").EnumerateArray())
        {
            DType dtype = Parse(row.GetProperty("a").GetString()!);
            Tensor x = Tensor.FromArray(row.GetProperty("x").EnumerateArray().Select(v => v.GetInt64()).ToArray()).To(dtype);
            Tensor y = Tensor.FromArray(row.GetProperty("y").EnumerateArray().Select(v => v.GetInt64()).ToArray()).To(dtype);
            foreach (JsonProperty op in row.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
            {
                Check(op.Value, () => BinaryOps[op.Name](x, y), $"{dtype.Name()} {op.Name} overflow");
            }
        }
        Assert.Equal("ZeroDivisionError", Table.GetProperty("integer_division_by_zero").GetProperty("message").GetString());
        var error = Assert.Throws<DivideByZeroException>(() => Tensor.FloorDivide(Tensor.FromArray(1L), Tensor.FromArray(0L)));
        Assert.Equal("floor_divide: integer division by zero (int64 by int64).", error.Message);
        Assert.Throws<DivideByZeroException>(() => Tensor.FromArray(1, 2) % Tensor.FromArray(1, 0));
        Assert.Equal(double.PositiveInfinity, (Tensor.FromArray(1L) / Tensor.FromArray(0L)).Item()); // true division is float
    }

    // ---- helpers ---------------------------------------------------------------------------

    // Expected: {"dtype", "values"} or {"error", "message"}.
    private static void Check(JsonElement expected, Func<Tensor> compute, string what, bool approximate = false)
    {
        if (expected.TryGetProperty("error", out _))
        {
            Exception error = Record.Exception(() => compute());
            Assert.True(error is ArgumentException or DivideByZeroException, $"{what}: torch refuses ({expected.GetProperty("message").GetString()}) but ChainRule gave {(error is null ? "a result" : error.GetType().Name + ": " + error.Message)}");
            Assert.DoesNotContain('\n', error!.Message);
            Assert.True(DTypes.All.Any(d => error.Message.Contains(d.Name(), StringComparison.Ordinal)), $"{what}: the refusal '{error.Message}' names no dtype");
            return;
        }
        Tensor result;
        try
        {
            result = compute();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: torch gives {expected.GetProperty("dtype").GetString()} but ChainRule threw {e.GetType().Name}: {e.Message}");
        }
        Assert.True(expected.GetProperty("dtype").GetString() == result.DType.Name(), $"{what}: torch gives {expected.GetProperty("dtype").GetString()}, ChainRule {result.DType.Name()}");
        JsonElement[] values = [.. expected.GetProperty("values").EnumerateArray()];
        if (result.DType == DType.Int64)
        {
            Assert.Equal(values.Select(v => v.GetInt64()), result.ToArray<long>()); // exact, the full 64 bits
            return;
        }
        double[] want = [.. values.Select(Number)];
        double[] got = result.ToDoubleArray();
        Assert.Equal(want.Length, got.Length);
        double ulp = result.DType == DType.Float32 ? 1.2e-7 : 2.3e-16;
        for (int i = 0; i < want.Length; i++)
        {
            bool same = result.DType == DType.Float32 ? (float)want[i] == (float)got[i] : want[i] == got[i];
            same |= double.IsNaN(want[i]) && double.IsNaN(got[i]);
            same |= approximate && Math.Abs(want[i] - got[i]) <= 4 * ulp * Math.Max(1, Math.Abs(want[i]));
            Assert.True(same, $"{what}: element {i} is {got[i]} in ChainRule, {want[i]} in torch");
        }
    }

    private static double Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.String => v.GetString() switch { "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, _ => double.NaN },
        _ => v.GetDouble(),
    };

    private static JsonElement Row(string section, string a, string b) =>
        Table.GetProperty(section).EnumerateArray().Single(r => r.GetProperty("a").GetString() == a && r.GetProperty("b").GetString() == b);

    // The script's operands: x (which = 0) or y (which = 1), |v| for uint8, the bool lists for bool.
    private static Tensor Values(string dtype, int which)
    {
        DType d = Parse(dtype);
        if (d == DType.Bool)
        {
            return Tensor.FromArray(Bools(which == 0 ? "x_bool" : "y_bool"));
        }
        long[] v = [.. Table.GetProperty(which == 0 ? "x" : "y").EnumerateArray().Select(e => e.GetInt64())];
        if (d == DType.UInt8)
        {
            v = [.. v.Select(Math.Abs)];
        }
        return Tensor.FromArray(v).To(d);
    }

    private static bool[] Bools(string name) => [.. Table.GetProperty(name).EnumerateArray().Select(e => e.GetBoolean())];

    private static DType Parse(string name) => DTypes.All.Single(d => d.Name() == name);
}

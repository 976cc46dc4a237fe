using System.Globalization;
using System.Text.RegularExpressions;

namespace ChainRule.NN;

/// <summary>
/// A network written as one line of layer tokens joined by '-', e.g.
/// <c>conv32k3-bn-relu-pool2-conv64k3-bn-relu-pool2-fc128-relu-dropout0.3-fc10</c>, built into a
/// <see cref="Sequential"/> for inputs of a given (channels, height, width). The builder follows the shape through
/// the stack, so a token that cannot apply (a pooling window larger than its input, a 2-d layer after the
/// features were flattened, a last layer that does not give one output per class) is refused naming the token.
/// </summary>
/// <remarks>
/// Tokens (<see cref="Grammar"/> is the same list as text, for --help):
/// <list type="bullet">
/// <item><c>conv{C}k{K}</c> with optional <c>s{S}</c> (stride, 1), <c>p{P}</c> (zero padding, default K/2, which
/// keeps the size at stride 1), <c>d{D}</c> (dilation, 1), <c>g{G}</c> (groups, 1): Conv2d to C channels.</item>
/// <item><c>pool{K}</c> or <c>maxpool{K}</c>, <c>avgpool{K}</c>, each with optional <c>s{S}</c> (stride, default K):
/// 2-d pooling; <c>gap</c>: global average pooling to (N, C).</item>
/// <item><c>bn</c>: BatchNorm2d on maps, BatchNorm1d on features; <c>ln</c>: LayerNorm over each example.</item>
/// <item><c>relu</c>, <c>leakyrelu</c>, <c>gelu</c>, <c>tanh</c>, <c>sigmoid</c>.</item>
/// <item><c>fc{N}</c>: Linear to N features (flattening maps first); <c>flatten</c>.</item>
/// <item><c>dropout{P}</c>: Dropout; <c>dropout2d{P}</c>: Dropout2d (whole channels of maps).</item>
/// </list>
/// The Sequential's children are the spec's layers in order, after child 0 (which views flat input as
/// (N, C, H, W)) and with a Flatten before the first fc that receives maps, so checkpoints carry PyTorch-style
/// names such as "1.weight" and "2.running_mean".
/// <para>
/// A <c>torch.nn.Sequential</c> of the same list has the same <c>state_dict()</c> names, so its weights saved as
/// safetensors load with <see cref="IO.Checkpoint.Load"/>: <c>nn.Unflatten(1, (C, H, W))</c> first (for flat
/// features <c>nn.Unflatten(1, (F,))</c>), then one module per token, activations and dropout included, and
/// <c>nn.Flatten()</c> where the builder puts one. conv{C}k{K} is <c>nn.Conv2d(in, C, K, padding=K // 2)</c> (give
/// the padding: PyTorch's default is 0), pool{K} <c>nn.MaxPool2d(K)</c>, bn <c>nn.BatchNorm2d</c> (or 1d), ln
/// <c>nn.LayerNorm</c> over the whole example, gelu the exact <c>nn.GELU()</c>, leakyrelu <c>nn.LeakyReLU(0.01)</c>,
/// fc{N} <c>nn.Linear(in, N)</c>. Every layer starts as PyTorch's would (<see cref="InitScheme.PyTorchDefault"/> for
/// fc, the same bounds for conv, weight 1 and bias 0 for bn and ln): only the random draws differ. Only gap has no
/// one-module counterpart (<c>nn.AdaptiveAvgPool2d(1)</c> then <c>nn.Flatten()</c> is two, which shifts the later
/// indices by one). For example
/// conv4k3-bn-relu-pool2-fc16-ln-gelu-dropout0.3-fc10 on (1, 28, 28) is Unflatten, Conv2d (1.*), BatchNorm2d (2.*),
/// ReLU, MaxPool2d, Flatten, Linear (6.*), LayerNorm (7.*), GELU, Dropout, Linear (10.*) (tests/fixtures/torch).
/// A plain <c>nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))</c> has no Unflatten: it is
/// <see cref="Mlp.Create"/>'s layout ("0.weight", "2.weight").
/// </para>
/// </remarks>
public static partial class Architecture
{
    /// <summary>The grammar, one line per token kind, as --help and the README print it.</summary>
    public const string Grammar =
        "conv{C}k{K}[s{S}][p{P}][d{D}][g{G}]  Conv2d to C channels, K x K kernel (stride S = 1, padding P = K/2, dilation D = 1, groups G = 1)\n" +
        "pool{K}[s{S}] | maxpool{K}[s{S}]     max pooling, K x K window, stride S = K\n" +
        "avgpool{K}[s{S}]                      average pooling; gap: global average pooling to one value per channel\n" +
        "bn | ln                               batch norm (per channel), layer norm (per example)\n" +
        "relu | leakyrelu | gelu | tanh | sigmoid\n" +
        "fc{N}                                 fully connected to N features (flattens maps first); flatten\n" +
        "dropout{P} | dropout2d{P}             dropout of elements, or of whole channels (0 <= P < 1)";

    /// <summary>The default convolutional network for <paramref name="classes"/> classes (what <c>--arch cnn</c> means).</summary>
    public static string DefaultCnn(int classes) =>
        $"conv32k3-bn-relu-pool2-conv64k3-bn-relu-pool2-fc128-relu-dropout0.3-fc{classes}";

    /// <summary>
    /// Builds the network <paramref name="spec"/> describes for examples of shape <paramref name="inputShape"/>
    /// ((C, H, W), or (H, W) for one channel, or (F) for flat features), drawing initial weights from
    /// <paramref name="generator"/> (which then drives the dropout masks).
    /// </summary>
    /// <param name="outputs">When given, the last layer must produce this many features (one per class).</param>
    /// <exception cref="FormatException">A token is not understood or does not fit the shape it receives; the message names it.</exception>
    public static Sequential Build(string spec, int[] inputShape, Generator generator, int? outputs = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        List<Step> plan = Plan(spec, inputShape, outputs);
        var layers = new List<Module>(plan.Count);
        foreach (Step step in plan)
        {
            layers.Add(step.Create(generator));
        }
        return new Sequential([.. layers]);
    }

    /// <summary>
    /// The number of trainable values the network would have, with every check of <see cref="Build"/> and nothing
    /// allocated: a reader of a stored spec compares it with the weights file before building anything.
    /// </summary>
    /// <exception cref="FormatException">As for <see cref="Build"/>.</exception>
    public static long ParameterCount(string spec, int[] inputShape, int? outputs = null) =>
        Plan(spec, inputShape, outputs).Sum(step => step.Parameters);

    // One layer of the plan: how to make it (weights are drawn only then) and how many parameters it has.
    private readonly record struct Step(Func<Generator, Module> Create, long Parameters);

    private static List<Step> Plan(string spec, int[] inputShape, int? outputs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(inputShape);
        int[] shape = inputShape.Length switch
        {
            1 or 3 => [.. inputShape],
            2 => [1, .. inputShape],
            _ => throw new ArgumentException($"architecture: inputs of shape ({string.Join(", ", inputShape)}) are neither images (C, H, W) nor flat features."),
        };
        if (shape.Any(d => d < 1))
        {
            throw new ArgumentException($"architecture: input shape ({string.Join(", ", inputShape)}) has an empty axis.");
        }
        if (spec.Length == 0)
        {
            throw new FormatException("architecture '': empty; write layers joined by '-', e.g. conv32k3-relu-pool2-fc10.");
        }
        string[] tokens = spec.Split('-');
        int[] start = [.. shape];
        var plan = new List<Step> { new(_ => new Unflatten(start), 0) };
        for (int i = 0; i < tokens.Length; i++)
        {
            bool wasMaps = shape.Length == 3;
            Step step = Layer(tokens, i, ref shape, spec);
            if (wasMaps && shape.Length == 1 && tokens[i].StartsWith("fc", StringComparison.Ordinal))
            {
                plan.Add(new(_ => new Flatten(), 0));
            }
            plan.Add(step);
        }
        if (outputs is int k && (shape.Length != 1 || shape[0] != k))
        {
            throw new FormatException($"architecture '{spec}': the last layer gives {Describe(shape)}, but the data has {k} classes; end it with fc{k}.");
        }
        return plan;
    }

    private static Step Layer(string[] tokens, int index, ref int[] shape, string spec)
    {
        string token = tokens[index];
        // NOTE: the message is made only for an error: made for every token, a long spec would cost its length squared
        FormatException Error(string why) => new($"architecture '{spec}': token {index + 1} '{token}' {why}");
        bool maps = shape.Length == 3;
        if (token.Length > MaxTokenLength)
        {
            // before any pattern sees it: dropout's \d*\.?\d+ backtracks in time quadratic in a long run of digits
            throw Error($"is {token.Length:N0} characters long; a token has at most {MaxTokenLength}.");
        }
        Match m;
        if ((m = ConvToken().Match(token)).Success)
        {
            if (!maps)
            {
                throw Error($"is a convolution, but its input is already flat ({Describe(shape)}); convolutions come before the first fc or flatten.");
            }
            int channels = Number(m, "c", Error), kernel = Number(m, "k", Error);
            int stride = Optional(m, "s", 1, Error), padding = Optional(m, "p", kernel / 2, Error, allowZero: true);
            int dilation = Optional(m, "d", 1, Error), groups = Optional(m, "g", 1, Error);
            if (shape[0] % groups != 0 || channels % groups != 0)
            {
                throw Error($"has {groups} groups, which must divide both its {shape[0]} input and {channels} output channels.");
            }
            int[] outSize = new int[2];
            for (int a = 0; a < 2; a++)
            {
                // in 64 bits: dilation and kernel may each be 2^20, and a padded size can pass int.MaxValue
                long span = ((long)dilation * (kernel - 1)) + 1, padded = shape[a + 1] + (2L * padding);
                if (padded < span)
                {
                    throw Error($"has a {span} x {span} receptive field, larger than its padded {shape[1] + (2L * padding)} x {shape[2] + (2L * padding)} input.");
                }
                long size = ((padded - span) / stride) + 1;
                outSize[a] = size <= int.MaxValue ? (int)size : throw Error($"gives maps {size:N0} wide, more than one axis holds.");
            }
            int inChannels = shape[0];
            shape = [channels, outSize[0], outSize[1]];
            double weights = ((double)inChannels / groups * kernel * kernel * channels) + channels;
            if (weights > 1L << 40)
            {
                throw Error($"would have {weights:G3} weights, far more than any machine holds.");
            }
            return new(g => new Conv2d(inChannels, channels, kernel, g, stride, padding, dilation, groups), (long)weights);
        }
        if ((m = PoolToken().Match(token)).Success)
        {
            if (!maps)
            {
                throw Error($"pools maps, but its input is already flat ({Describe(shape)}).");
            }
            int kernel = Number(m, "k", Error), stride = Optional(m, "s", kernel, Error);
            if (shape[1] < kernel || shape[2] < kernel)
            {
                throw Error($"has a {kernel} x {kernel} window, larger than its {shape[1]} x {shape[2]} input.");
            }
            shape = [shape[0], ((shape[1] - kernel) / stride) + 1, ((shape[2] - kernel) / stride) + 1];
            return m.Groups["kind"].Value == "avg" ? Fixed(new AvgPool2d(kernel, stride)) : Fixed(new MaxPool2d(kernel, stride));
        }
        if ((m = DropoutToken().Match(token)).Success)
        {
            if (!double.TryParse(m.Groups["p"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double p) || p >= 1)
            {
                throw Error("has a dropout probability that is not a number in [0, 1), e.g. dropout0.3.");
            }
            if (m.Groups["two"].Success)
            {
                return maps ? new(g => new Dropout2d(p, g), 0) : throw Error($"drops channels of maps, but its input is flat ({Describe(shape)}); use dropout{m.Groups["p"].Value}.");
            }
            return new(g => new Dropout(p, g), 0);
        }
        if ((m = FcToken().Match(token)).Success)
        {
            int features = Number(m, "n", Error);
            long inputs = shape.Aggregate(1L, (a, b) => a * b);
            shape = [features];
            return inputs <= int.MaxValue
                ? new(g => new Linear((int)inputs, features, g, InitScheme.PyTorchDefault), (inputs + 1) * features)
                : throw Error($"receives {inputs:N0} features, more than one layer can take.");
        }
        switch (token)
        {
            case "bn":
                int c = shape[0];
                return new(_ => maps ? BatchNorm.BatchNorm2d(c) : BatchNorm.BatchNorm1d(c), 2L * c);
            case "ln":
                int[] normalized = [.. shape];
                return new(_ => new LayerNorm(normalized), 2 * normalized.Aggregate(1L, (a, b) => a * b));
            case "relu":
                return Fixed(new Relu());
            case "leakyrelu":
                return Fixed(new LeakyRelu());
            case "gelu":
                return Fixed(new Gelu());
            case "tanh":
                return Fixed(new Tanh());
            case "sigmoid":
                return Fixed(new Sigmoid());
            case "flatten":
                long size = shape.Aggregate(1L, (a, b) => a * b);
                shape = size <= int.MaxValue ? [(int)size] : throw Error($"gives {size:N0} features, too many for one axis.");
                return Fixed(new Flatten());
            case "gap":
                if (!maps)
                {
                    throw Error($"averages maps, but its input is already flat ({Describe(shape)}).");
                }
                shape = [shape[0]];
                return Fixed(new GlobalAveragePool());
            default:
                throw Error(token.Length == 0
                    ? "is empty (two '-' in a row, or one at an end)."
                    : "is not understood; the tokens are conv{C}k{K}, pool{K}, maxpool{K}, avgpool{K}, gap, bn, ln, relu, leakyrelu, gelu, tanh, sigmoid, fc{N}, flatten, dropout{P}, dropout2d{P} (chainrule train --help shows them all).");
        }
    }

    /// <summary>The longest token read (conv1048576k1048576s1048576p1048576d1048576g1048576 has 51 characters).</summary>
    public const int MaxTokenLength = 64;

    // A layer without parameters or randomness: one instance, made now.
    private static Step Fixed(Module layer) => new(_ => layer, 0);

    private static int Number(Match m, string group, Func<string, FormatException> error)
    {
        string text = m.Groups[group].Value;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is >= 1 and <= 1 << 20
            ? value
            : throw error($"has {group} = {text}, which must be a whole number from 1 to {1 << 20}.");
    }

    private static int Optional(Match m, string group, int fallback, Func<string, FormatException> error, bool allowZero = false)
    {
        if (!m.Groups[group].Success)
        {
            return fallback;
        }
        string text = m.Groups[group].Value;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value <= 1 << 20 && (value >= 1 || (allowZero && value == 0))
            ? value
            : throw error($"has {group} = {text}, which must be a whole number from {(allowZero ? 0 : 1)} to {1 << 20}.");
    }

    private static string Describe(int[] shape) => shape.Length == 1
        ? $"{shape[0]} features"
        : $"{shape[0]} channels of {shape[1]} x {shape[2]}";

    [GeneratedRegex(@"^conv(?<c>\d+)k(?<k>\d+)(s(?<s>\d+))?(p(?<p>\d+))?(d(?<d>\d+))?(g(?<g>\d+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ConvToken();

    [GeneratedRegex(@"^(?<kind>max|avg)?pool(?<k>\d+)(s(?<s>\d+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex PoolToken();

    [GeneratedRegex(@"^dropout(?<two>2d)?(?<p>\d*\.?\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex DropoutToken();

    [GeneratedRegex(@"^fc(?<n>\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex FcToken();
}

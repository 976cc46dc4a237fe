namespace ChainRule.Fuzz;

/// <summary>
/// One reader of user bytes: valid seed inputs made by the library's own writers, how a mutated input is read,
/// and the exception types that count as a clean refusal (the ones the reader documents).
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>The name used on the command line and in test names: idx, csv, expression, ...</summary>
    public abstract string Name { get; }

    /// <summary>The documented exception types; anything else a reader throws is a bug.</summary>
    public abstract IReadOnlyList<Type> Refusals { get; }

    /// <summary>What every refusal's message must contain (the file's name, "architecture '"), or null.</summary>
    public virtual string? Names => null;

    /// <summary>True for text formats: the mutator adds nesting, long tokens, huge numbers and grammar tokens.</summary>
    public virtual bool IsText => false;

    /// <summary>Tokens of the format's grammar, for text mutations.</summary>
    public virtual IReadOnlyList<string> Tokens => [",", "[", "]", "{", "}", "\"", ":", "0", "-1", "1e9", "null"];

    /// <summary>True when the inputs go to native code (SkiaSharp): the runner then treats a dead child process as a crash too.</summary>
    public virtual bool IsNative => false;

    /// <summary>Valid inputs, written under <paramref name="directory"/> when a writer needs files.</summary>
    public abstract IReadOnlyList<byte[]> CreateSeeds(string directory);

    /// <summary>A mutated input made from <paramref name="seed"/>; some targets mutate inside a container (gzip).</summary>
    public virtual byte[] Prepare(byte[] seed, Mutator mutator, Random random, List<string> log) => mutator.Mutate(seed, IsText, log);

    /// <summary>Reads one input; returns normally when the reader accepts it.</summary>
    public abstract void Read(byte[] input, string directory);

    /// <summary>The input's size for the allocation limit (a config.json counts its weights file too).</summary>
    public virtual long Size(byte[] input) => input.Length;

    /// <summary>Every target, in the order the tests and the long run go through them.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new IdxTarget(gzip: false), new IdxTarget(gzip: true), new MnistTarget(), new SafetensorsTarget(), new CheckpointTarget(), new ConfigTarget(),
        new TrainingStateTarget(), new ManifestTarget(), new OnnxTensorTarget(), new CsvTarget(), new ExpressionTarget(), new TensorLiteralTarget(), new ArchitectureTarget(), new ImageTarget(), new OnnxTarget(),
    ];

    public static FuzzTarget Find(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", All.Select(t => t.Name))}.");

    /// <summary>Writes <paramref name="input"/> to <paramref name="name"/> in <paramref name="directory"/> and returns the path.</summary>
    protected static string WriteFile(string directory, string name, byte[] input)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, input);
        return path;
    }
}

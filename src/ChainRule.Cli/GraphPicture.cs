using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using ChainRule.IO;

namespace ChainRule.Cli;

/// <summary>
/// Writes a picture of a computational graph: .dot is the Graphviz text itself; .svg and .png are rendered by
/// Graphviz's dot program (Debian package graphviz). Every file is written atomically.
/// </summary>
public static class GraphPicture
{
    public const string InstallHint = "install Graphviz: sudo apt-get install graphviz";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>Writes <paramref name="output"/>'s graph to <paramref name="path"/> (.dot, .svg or .png) and returns a line saying what was written.</summary>
    /// <exception cref="UserException">The extension is unknown, or dot is missing (the .dot text is then written next to the target) or fails.</exception>
    /// <summary>The picture's format (".svg", ".png" or ".dot") from its path; checked before any work is done.</summary>
    /// <exception cref="UserException">Another extension.</exception>
    public static string CheckPath(string path)
    {
        string format = Path.GetExtension(path).ToLowerInvariant();
        return format is ".dot" or ".svg" or ".png" ? format
            : throw new UserException($"--graph {path}: the picture must be a .svg, .png or .dot file.");
    }

    public static string Write(Variable output, string path, string? title = null) => Write(output, path, title, dotProgram: "dot");

    // dotProgram: the Graphviz executable; tests name one that does not exist to see the fallback.
    internal static string Write(Variable output, string path, string? title, string dotProgram)
    {
        string format = CheckPath(path);
        string dot = Graph.ToDot(output, title);
        if (format == ".dot")
        {
            AtomicFile.WriteAllText(path, dot);
            string render = $"render it with: dot -Tsvg {path} -o graph.svg";
            return IsOnPath(dotProgram) ? $"wrote {path} ({render})" : $"wrote {path} ({render}; {InstallHint})";
        }
        byte[]? picture = Render(dot, format[1..], dotProgram);
        if (picture is null)
        {
            string fallback = Path.ChangeExtension(path, ".dot");
            AtomicFile.WriteAllText(fallback, dot);
            throw new UserException($"--graph {path}: Graphviz's dot is needed for {format[1..].ToUpperInvariant()} and was not found; wrote {fallback} instead; {InstallHint}");
        }
        AtomicFile.WriteAllBytes(path, picture);
        return $"wrote {path}";
    }

    private static bool IsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));

    // The picture dot makes of the DOT text on its standard input; null when the program is missing.
    private static byte[]? Render(string dot, string format, string dotProgram)
    {
        var start = new ProcessStartInfo(dotProgram, ["-T" + format])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception();
        }
        catch (Win32Exception)
        {
            return null;
        }
        using (process)
        {
            // NOTE: read both pipes while writing the input, or a large graph deadlocks on a full pipe.
            Task<byte[]> picture = Task.Run(() =>
            {
                using var buffer = new MemoryStream();
                process.StandardOutput.BaseStream.CopyTo(buffer);
                return buffer.ToArray();
            });
            Task<string> errors = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(dot);
            process.StandardInput.Close();
            if (!process.WaitForExit(s_timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new UserException($"Graphviz's dot did not finish within {s_timeout.TotalSeconds} seconds.");
            }
            if (process.ExitCode != 0)
            {
                string reason = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"exit code {process.ExitCode}";
                throw new UserException($"Graphviz's dot failed: {reason}");
            }
            return picture.Result;
        }
    }
}

using System.CommandLine;
using System.Text.Json;
using ChainRule.Cli.Commands;
using ChainRule.Data;

namespace ChainRule.Cli;

/// <summary>
/// The chainrule command: wiring only. Each command lives in Commands/; this file turns every user error
/// into one line on stderr and a non-zero exit code, never a stack trace.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);

    /// <summary>Runs one command line against the given writers (tests call this in-process).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false)
    {
        var ui = new ConsoleUi(output, interactive);
        // NOTE: a plain Command named chainrule, not RootCommand, whose help would show the assembly's name (ChainRule.Cli).
        var root = new Command("chainrule", "ChainRule: train, evaluate and explain neural networks built on reverse-mode automatic differentiation.")
        {
            TrainCommand.Create(ui),
            EvaluateCommand.Create(ui),
            PredictCommand.Create(ui),
            ExplainCommand.Create(ui),
            FitCommand.Create(ui),
            GpCommand.Create(ui),
            KernelCommand.Create(ui),
            ExportCommand.Create(ui),
        };
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string command = parsed.CommandResult.Command == root ? "chainrule" : $"chainrule {parsed.CommandResult.Command.Name}";
            error.WriteLine($"chainrule: {string.Join(" ", parsed.Errors.Select(e => Plain(e.Message)).Reverse())} (see '{command} --help')");
            return 2;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (DivergedRunException e)
        {
            // its own exit code: divergence is neither a usage error (2), bad input (1) nor a bug (70)
            error.WriteLine($"chainrule: {e.Message}");
            return 3;
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"chainrule: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            error.WriteLine($"chainrule: internal error ({e.GetType().Name}): {e.Message}");
            return 70;
        }
    }

    // System.CommandLine names .NET types ("as expected type 'System.Nullable`1[System.Double]'"): say it in words.
    private static string Plain(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'\.$");
        if (!match.Success)
        {
            return message;
        }
        string type = match.Groups[3].Value;
        string expected = type.Contains("Double", StringComparison.Ordinal) ? "a number, e.g. 0.01"
            : type.Contains("UInt64", StringComparison.Ordinal) ? "a whole number of 0 or more"
            : type.Contains("Int32", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a value of another kind";
        return $"{match.Groups[2].Value} '{match.Groups[1].Value}': expected {expected}.";
    }

    private static bool IsUserError(Exception e) => e is UserException or ArgumentException or InvalidDataException or DataFormatException
        or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException or NotSupportedException or JsonException;
}

/// <summary>A problem with what the user asked for, reported as one line.</summary>
public sealed class UserException(string message) : Exception(message);

/// <summary>Training diverged (exit code 3): the message says where, what became non-finite and what was kept.</summary>
public sealed class DivergedRunException(string message) : Exception(message);

using Spectre.Console;

namespace ChainRule.Cli;

/// <summary>
/// Where commands print: a Spectre console for tables and, on a terminal, live progress bars; when the output
/// is redirected, plain lines instead of bars.
/// </summary>
public sealed class ConsoleUi
{
    public ConsoleUi(TextWriter output, bool interactive)
    {
        Output = output;
        Interactive = interactive;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            Console.Profile.Width = 250; // plain lines are not wrapped when redirected
        }
    }

    public TextWriter Output { get; }

    public bool Interactive { get; }

    public IAnsiConsole Console { get; }

    public void WriteLine(string text) => Console.WriteLine(text);
}

using Spectre.Console;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>
/// Runs a command body and turns a bad input (argument, file, model directory) into one clear line on
/// stderr and exit code 2, instead of a stack trace.
/// </summary>
internal static class UserErrors
{
    public const int ExitCode = 2;

    public static int Run(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException)
        {
            var stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            stderr.MarkupLine($"[red]{command}: {Markup.Escape(e.Message)}[/]");
            return ExitCode;
        }
    }
}

using System.Text.Json;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.Client.Evaluation;

/// <summary>
/// How the console reports a failure: one line on stderr naming the command and the problem, exit code 2 for a bad
/// input (argument, file, model directory, run spec, checkpoint) and 1 for anything else; the stack trace only with
/// <c>--verbose</c>.
/// </summary>
internal static class UserErrors
{
    /// <summary>Exit code of a refused input.</summary>
    public const int ExitCode = 2;

    /// <summary>Exit code of a failure that is not the input's fault (a bug, a full disk).</summary>
    public const int InternalErrorExitCode = 1;

    /// <summary>Set from <c>--verbose</c>: print the stack trace below the one-line message.</summary>
    public static bool Verbose { get; set; }

    /// <summary>Exceptions that describe a bad input: their message is the answer to give the user.</summary>
    public static bool IsBadInput(Exception e) => e is ArgumentException or InvalidDataException or IOException or FormatException
        or RunSpecException or CheckpointCorruptException or JsonException or UnauthorizedAccessException or OverflowException
        or NotSupportedException;

    public static int Run(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsBadInput(e))
        {
            return Report(command, e);
        }
    }

    /// <summary>Writes <paramref name="e"/> as one line (plus its stack with <see cref="Verbose"/>) and returns the exit code.</summary>
    public static int Report(string command, Exception e)
    {
        bool badInput = IsBadInput(e);
        string message = OneLine(e.Message);
        if (!badInput && !Verbose) message += " (an internal error; rerun with --verbose for the stack trace)";
        Console.Error.WriteLine($"{Prefix(command)}: {message}");
        if (Verbose) Console.Error.WriteLine(e.ToString());
        return badInput ? ExitCode : InternalErrorExitCode;
    }

    /// <summary>Writes a refusal that is not an exception: one line, exit code <see cref="ExitCode"/>.</summary>
    public static int Refuse(string command, string problem)
    {
        Console.Error.WriteLine($"{Prefix(command)}: {OneLine(problem)}");
        return ExitCode;
    }

    private static string Prefix(string command) => command.Length == 0 ? "precision" : $"precision {command}";

    /// <summary>Newlines and runs of whitespace folded, so a multi-line message stays one line.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

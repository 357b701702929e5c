using System.CommandLine;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Evaluation;

namespace Precision.Orleans.Client.Commands;

/// <summary>
/// The <c>precision</c> console's entry point: parses, refuses a bad command line in one line (exit 2, not the whole
/// help), runs the command and turns any exception into one line (<see cref="UserErrors"/>); <c>--verbose</c> adds
/// the stack trace.
/// </summary>
internal static class ConsoleMain
{
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "print the stack trace of a failure",
        Recursive = true,
    };

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("precision — RL fine-tuning of language models with training/inference precision you choose (fp32, bf16, fp16).");
        root.Options.Add(Verbose);
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command);
        ShowValuesAsTyped(root);
        return root;
    }

    /// <summary>Enum-valued options show their values as users type them (<c>&lt;refuse|clamp&gt;</c>), not the enums' names.</summary>
    private static void ShowValuesAsTyped(RootCommand root)
    {
        foreach (var command in root.Subcommands)
        foreach (var option in command.Options.Where(o => o.HelpName is null))
        {
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            if (!type.IsEnum) continue;
            option.HelpName = type == typeof(DType)
                ? string.Join("|", DTypeNames.Allowed)
                : string.Join("|", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        }
    }

    public static int Run(string[] args)
    {
        PlainOutputWhenRedirected();
        // `precision` alone shows the commands rather than an error.
        if (args.Length == 0) args = ["--help"];
        var root = CreateRoot();
        UserErrors.Verbose = args.Contains("--verbose");
        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (InvalidOperationException e)
        {
            // A validator reading an option whose text did not convert (e.g. --steps abc) throws instead of reporting.
            string name = root.Subcommands.FirstOrDefault(c => c.Name == args[0])?.Name ?? "";
            return UserErrors.Refuse(name, $"{ParseErrorText.Plain(e.Message)} (see 'precision {name} --help')".Replace("precision  --help", "precision --help"));
        }
        string command = parse.CommandResult.Command is RootCommand ? "" : parse.CommandResult.Command.Name;
        if (parse.Errors.Count > 0 && !AsksForHelp(args))
        {
            string name = command.Length == 0 ? "precision" : $"precision {command}";
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            return UserErrors.Refuse(command, $"{ParseErrorText.Plain(error.Message)} (see '{name} --help')");
        }
        try
        {
            if (!AsksForHelp(args)) return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            // Help is rendered aside so its defaults can be shown as users type them ([default: fp16], not Fp16).
            var help = new StringWriter();
            int code = parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = help });
            Console.Out.Write(HelpText.WithTypedDefaults(help.ToString()));
            return code;
        }
        catch (Exception e)
        {
            return UserErrors.Report(command, e);
        }
    }

    /// <summary>
    /// Output piped to a file or another program gets no ANSI codes, no live widgets and no hard wrapping at a guessed
    /// terminal width; a terminal keeps Spectre's detection (colours, its own width).
    /// </summary>
    /// <summary>Line width of redirected output: wide enough that tables and progress lines do not wrap in a log.</summary>
    internal const int RedirectedWidth = 200;

    private static void PlainOutputWhenRedirected()
    {
        if (!Console.IsOutputRedirected) return;
        var plain = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
            Interactive = Spectre.Console.InteractionSupport.No,
            Out = new Spectre.Console.AnsiConsoleOutput(Console.Out),
        });
        // A finite width: Spectre pads a table's lines out to the console width (int.MaxValue / 4 wrote 35M spaces per line).
        plain.Profile.Width = RedirectedWidth;
        Spectre.Console.AnsiConsole.Console = plain;
    }

    private static bool AsksForHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?" or "/?" or "--version");
}

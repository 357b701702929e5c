using System.CommandLine;
using Precision.Orleans.Client.Commands;

namespace Precision.Orleans.Client.Tests.Console;

/// <summary>Runs a <c>precision</c> command in-process with its output and errors captured.</summary>
internal sealed record CommandRun(int ExitCode, string Output, string Error)
{
    public static async Task<CommandRun> InvokeAsync(params string[] args)
    {
        var root = new RootCommand("test");
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new CommandRun(code, output.ToString(), error.ToString());
    }
}

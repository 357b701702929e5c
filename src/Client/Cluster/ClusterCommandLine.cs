using System.CommandLine;
using Spectre.Console;

namespace Precision.Orleans.Client.Cluster;

/// <summary>
/// What the cluster commands share: the --cluster / --password options (falling back to PRECISION_CLUSTER /
/// PRECISION_CLUSTER_PASSWORD), a Spectre console over the invocation's output (so commands run in-process write where
/// the caller asked), and one way to report a <see cref="ClusterException"/>: its message on the error writer, exit
/// code 2.
/// </summary>
public static class ClusterCommandLine
{
    public static Option<string?> ClusterOption() => new("--cluster")
    {
        Description = $"the cluster's Redis, redis://[:PASSWORD@]HOST:PORT (default ${ClusterTarget.AddressVariable}); without it, submit runs on an embedded silo",
    };

    public static Option<string?> PasswordOption() => new("--password")
    {
        Description = $"the cluster Redis' password when not in the URL (default ${ClusterTarget.PasswordVariable})",
    };

    public static Command WithClusterOptions(this Command command, Option<string?> cluster, Option<string?> password)
    {
        command.Options.Add(cluster);
        command.Options.Add(password);
        return command;
    }

    /// <summary>Runs a cluster command against the resolved target.</summary>
    public static void SetClusterAction(this Command command, Option<string?> cluster, Option<string?> password,
        Func<ParseResult, ClusterRunClient, IAnsiConsole, CancellationToken, Task<int>> action)
    {
        command.SetAction((parse, cancellationToken) => Guard(parse, async console =>
        {
            var target = ClusterTarget.Require(parse.GetValue(cluster), parse.GetValue(password), Environment.GetEnvironmentVariable);
            await using var client = await ClusterRunClient.ConnectAsync(target, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await action(parse, client, console, cancellationToken).ConfigureAwait(false);
        }));
    }

    /// <summary>Runs <paramref name="action"/> with a console over the invocation's output; a <see cref="ClusterException"/>
    /// becomes its message on the error writer and exit code <see cref="ClusterException.ExitCode"/>.</summary>
    public static async Task<int> Guard(ParseResult parse, Func<IAnsiConsole, Task<int>> action)
    {
        var output = parse.InvocationConfiguration.Output;
        var console = ReferenceEquals(output, Console.Out)
            ? AnsiConsole.Console
            : AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(output),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
        if (!ReferenceEquals(output, Console.Out))
        {
            // Redirected output has no terminal width; keep rows on one line each.
            console.Profile.Width = 200;
        }
        try
        {
            return await action(console).ConfigureAwait(false);
        }
        catch (ClusterException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"precision: {e.Message}").ConfigureAwait(false);
            return ClusterException.ExitCode;
        }
    }
}

using System.CommandLine;
using Precision.Orleans.Client.Cluster;
using Spectre.Console;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision list</c>: every run of the cluster with its state, step and accuracy.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var cluster = ClusterCommandLine.ClusterOption();
        var password = ClusterCommandLine.PasswordOption();
        var command = new Command("list", "List the cluster's runs.").WithClusterOptions(cluster, password);
        command.SetClusterAction(cluster, password, async (_, client, console, cancellationToken) =>
        {
            var runs = await client.ListAsync(cancellationToken);
            if (runs.Count == 0)
            {
                console.WriteLine("No runs.");
                return 0;
            }
            console.Write(RunTables.Runs(runs));
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using Precision.Orleans.Client.Cluster;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision cancel ID</c>: stops a run after its current step.</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "run id" };
        var cluster = ClusterCommandLine.ClusterOption();
        var password = ClusterCommandLine.PasswordOption();
        var command = new Command("cancel", "Cancel a run (it stops after its current step).").WithClusterOptions(cluster, password);
        command.Arguments.Add(id);
        command.SetClusterAction(cluster, password, async (parse, client, console, cancellationToken) =>
        {
            console.Write(RunTables.Status(await client.CancelAsync(parse.GetValue(id)!, cancellationToken)));
            return 0;
        });
        return command;
    }
}

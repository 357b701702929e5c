using System.CommandLine;
using Precision.Orleans.Client.Cluster;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision status ID</c>: one run's state, step, accuracy, weight version and its last steps.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "run id (precision list shows them)" };
        var cluster = ClusterCommandLine.ClusterOption();
        var password = ClusterCommandLine.PasswordOption();
        var command = new Command("status", "Show a run's status and its latest steps.").WithClusterOptions(cluster, password);
        command.Arguments.Add(id);
        command.SetClusterAction(cluster, password, async (parse, client, console, cancellationToken) =>
        {
            var runId = parse.GetValue(id)!;
            var status = await client.StatusAsync(runId, cancellationToken);
            console.Write(RunTables.Status(status));
            var rows = await client.MetricsAsync(runId, Math.Max(0, status.Step - 4), cancellationToken);
            if (rows.Count > 0)
            {
                console.Write(RunTables.Steps(rows));
            }
            return 0;
        });
        return command;
    }
}

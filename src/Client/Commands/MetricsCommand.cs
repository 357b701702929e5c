using System.CommandLine;
using Precision.Orleans.Client.Cluster;
using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision metrics ID [--csv] [--from N] [--out FILE]</c>: a run's trained steps as a table, or as CSV
/// (every metric, on stdout or written atomically to --out).</summary>
internal static class MetricsCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "run id" };
        var csv = new Option<bool>("--csv") { Description = "CSV with every metric instead of the table" };
        var from = CommonOptions.Int("--from", 0, "first step", 0);
        var output = new Option<string?>("--out") { Description = "write to this file instead of the console" };
        var cluster = ClusterCommandLine.ClusterOption();
        var password = ClusterCommandLine.PasswordOption();
        var command = new Command("metrics", "Print a run's metrics per trained step (table or --csv).").WithClusterOptions(cluster, password);
        command.Arguments.Add(id);
        foreach (Option o in new Option[] { csv, from, output }) command.Options.Add(o);
        command.SetClusterAction(cluster, password, async (parse, client, console, cancellationToken) =>
        {
            var runId = parse.GetValue(id)!;
            var path = parse.GetValue(output);
            if (parse.GetValue(csv))
            {
                var text = await client.MetricsCsvAsync(runId, parse.GetValue(from), cancellationToken);
                if (path is null)
                {
                    await parse.InvocationConfiguration.Output.WriteAsync(text);
                }
                else
                {
                    AtomicFile.WriteAllText(path, text);
                }
                return 0;
            }
            var rows = await client.MetricsAsync(runId, parse.GetValue(from), cancellationToken);
            console.Write(RunTables.Steps(rows));
            return 0;
        });
        return command;
    }
}

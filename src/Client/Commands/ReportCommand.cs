using System.CommandLine;
using Precision.Orleans.Client.Cluster;
using Spectre.Console;
using Precision.Orleans.Engine.Checkpoints;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision report ID --out run.html</c>: the run's HTML report (SVG curves and the step table), as the silo renders it.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "run id" };
        var output = new Option<string>("--out") { Description = "HTML file to write", Required = true };
        var cluster = ClusterCommandLine.ClusterOption();
        var password = ClusterCommandLine.PasswordOption();
        var command = new Command("report", "Write a run's HTML report (accuracy and mismatch curves, step table).").WithClusterOptions(cluster, password);
        command.Arguments.Add(id);
        command.Options.Add(output);
        command.SetClusterAction(cluster, password, async (parse, client, console, cancellationToken) =>
        {
            var html = await client.ReportHtmlAsync(parse.GetValue(id)!, cancellationToken);
            var path = parse.GetValue(output)!;
            AtomicFile.WriteAllText(path, html);
            console.WriteLine($"Wrote {Path.GetFullPath(path)}");
            return 0;
        });
        return command;
    }
}

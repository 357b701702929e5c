using System.CommandLine;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Cluster;
using Spectre.Console;

namespace Precision.Orleans.Client.Commands;

/// <summary>
/// <c>precision submit run.yaml</c>: to a cluster (--cluster / PRECISION_CLUSTER) it submits the spec to the run's grain
/// as an Orleans client and prints the run id (--watch follows it); without an address it runs the run on an embedded in-process silo and watches it to the end.
/// </summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "YAML run spec (see examples/sanity-pg-seq-is.yaml); on a cluster, relative paths resolve on the silos" };
        var id = new Option<string?>("--id") { Description = "run id (default: the spec's name and the submit time)" };
        var watch = new Option<bool>("--watch") { Description = "on a cluster, follow the run until it ends (the embedded mode always does)" };
        var runsRoot = new Option<string>("--runs-root") { Description = "embedded mode: where run directories go", DefaultValueFactory = _ => "runs" };
        var cluster = ClusterCommandLine.ClusterOption();
        var password = ClusterCommandLine.PasswordOption();
        var command = new Command("submit", "Submit an RL run to the cluster, or run it on an embedded silo when no cluster is given.");
        command.Arguments.Add(spec);
        foreach (Option o in new Option[] { id, watch, runsRoot }) command.Options.Add(o);
        command.WithClusterOptions(cluster, password);
        command.SetAction((parse, cancellationToken) => ClusterCommandLine.Guard(parse, async console =>
        {
            var path = parse.GetValue(spec)!;
            if (!File.Exists(path))
            {
                throw new ClusterException($"Run spec file not found: {Path.GetFullPath(path)}.");
            }
            var yaml = await File.ReadAllTextAsync(path, cancellationToken);
            var runId = parse.GetValue(id);
            var target = ClusterTarget.Resolve(parse.GetValue(cluster), parse.GetValue(password), Environment.GetEnvironmentVariable);
            runId ??= $"{Path.GetFileNameWithoutExtension(path)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
            RunStatus final;
            if (target is null)
            {
                final = await new EmbeddedRun { RunsRoot = parse.GetValue(runsRoot)! }.RunAsync(path, yaml, runId, console, cancellationToken);
            }
            else
            {
                await using var client = await ClusterRunClient.ConnectAsync(target, cancellationToken: cancellationToken);
                var status = await client.SubmitAsync(yaml, runId, cancellationToken);
                console.MarkupLine($"Submitted run [bold]{Markup.Escape(status.RunId)}[/] to cluster {Markup.Escape(target.ClusterId)} at {Markup.Escape(target.Display)}");
                console.WriteLine(status.RunId);
                if (!parse.GetValue(watch))
                {
                    return 0;
                }
                final = await new RunWatcher(client, console).WatchAsync(status.RunId, cancellationToken);
            }
            return final.State == RunState.Completed ? 0 : 1;
        }));
        return command;
    }
}

using System.CommandLine;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Cluster;

namespace Precision.Orleans.Client.Commands;

/// <summary><c>precision watch ID</c>: live step, accuracy, mismatch (k3, |log π/μ|), loss scale, tokens/s and weight version until the run ends.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "run id" };
        var interval = new Option<double>("--interval") { Description = "seconds between polls", DefaultValueFactory = _ => 1.0 };
        interval.Validators.Add(r =>
        {
            if (!(r.GetValueOrDefault<double>() is > 0 and <= 3600)) r.AddError("--interval must be in (0, 3600] seconds");
        });
        var cluster = ClusterCommandLine.ClusterOption();
        var password = ClusterCommandLine.PasswordOption();
        var command = new Command("watch", "Follow a run live until it completes, is cancelled or fails.").WithClusterOptions(cluster, password);
        command.Arguments.Add(id);
        command.Options.Add(interval);
        command.SetClusterAction(cluster, password, async (parse, client, console, cancellationToken) =>
        {
            var final = await new RunWatcher(client, console) { Interval = TimeSpan.FromSeconds(parse.GetValue(interval)) }
                .WatchAsync(parse.GetValue(id)!, cancellationToken);
            return final.State == RunState.Completed ? 0 : 1;
        });
        return command;
    }
}

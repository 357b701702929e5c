using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Precision.Orleans.Client.Cluster;

/// <summary>
/// <c>precision submit run.yaml</c> without a cluster: the same grains on one in-process Orleans silo (<see cref="EmbeddedRlSilo"/>:
/// localhost clustering, memory storage, no Redis; learner role and rollout slots), the run submitted to its run grain
/// and watched until it ends, then the silo stopped. Run state lives only as long as the process; checkpoints are
/// written under <see cref="RunsRoot"/>/{run id} as in the cluster.
/// </summary>
public sealed class EmbeddedRun
{
    /// <summary>Where run directories go. Default "runs".</summary>
    public string RunsRoot { get; init; } = "runs";

    /// <summary>Rollout worker slots of the embedded silo. Default 1.</summary>
    public int RolloutSlots { get; init; } = 1;

    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(1);

    public async Task<RunStatus> RunAsync(string specPath, string specYaml, string runId, IAnsiConsole console, CancellationToken cancellationToken = default)
    {
        var options = new RlGrainOptions
        {
            RunsRoot = Path.GetFullPath(RunsRoot),
            SpecBaseDirectory = Path.GetDirectoryName(Path.GetFullPath(specPath))!,
            RolloutSlots = RolloutSlots,
        };
        using var silo = EmbeddedRlSilo.Build(options);
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RunStatus submitted;
            try
            {
                submitted = await silo.Grains().GetGrain<IRunGrain>(runId).Submit(specYaml).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                throw new ClusterException($"The run spec was refused: {e.Message}", e);
            }
            console.MarkupLine($"Run [bold]{Markup.Escape(submitted.RunId)}[/] on an embedded silo (no --cluster); run directory {Markup.Escape(Path.Combine(options.RunsRoot, runId))}");
            return await new RunWatcher(new GrainRunSource(silo.Grains()), console) { Interval = WatchInterval }
                .WatchAsync(runId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await silo.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}

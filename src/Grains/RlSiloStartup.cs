using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains;

/// <summary>
/// When the silo becomes Active: joins its <see cref="RlGrainOptions.RolloutSlots"/> rollout workers to the pool and,
/// on a silo with the learner role, restarts the learners of unfinished runs (learner failover). Runs in the
/// background, retrying while the cluster settles (the pool or the registry may still be on a dying silo).
/// </summary>
internal sealed class RlSiloStartup(RlGrainOptions options, IGrainFactory grains, ILocalSiloDetails silo, ILogger<RlSiloStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RlSiloStartup), ServiceLifecycleStage.Active,
            started =>
            {
                _ = Task.Run(() => JoinAsync(_stopping.Token), CancellationToken.None);
                return Task.CompletedTask;
            },
            stopped =>
            {
                _stopping.Cancel();
                return Task.CompletedTask;
            });

    private async Task JoinAsync(CancellationToken stopping)
    {
        for (int attempt = 0; !stopping.IsCancellationRequested && attempt < 600; attempt++)
        {
            try
            {
                for (int slot = 0; slot < options.RolloutSlots; slot++)
                    await grains.GetGrain<IRolloutWorkerGrain>($"{silo.Name}/{slot}").Join();
                if (options.Roles.Contains(SiloRoles.Learner, StringComparer.OrdinalIgnoreCase))
                {
                    var runs = await grains.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).List();
                    foreach (var run in runs.Where(r => r.State is RunState.Submitted or RunState.Running))
                        await grains.GetGrain<ILearnerGrain>(run.RunId).Start();
                }
                return;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                GrainsLog.HookRetry(logger, silo.Name, e.Message);
                await Task.Delay(500, CancellationToken.None);
            }
        }
    }
}

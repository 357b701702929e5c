using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Grains;

/// <summary>
/// When the silo becomes Active: starts this incarnation's <see cref="SiloStartGrain"/> (on this silo), which joins
/// the rollout workers and restarts unfinished runs' learners, retrying on its grain timer. Only the trigger itself is
/// repeated, in the background: right after a silo of the cluster died, the grain's first activation can wait on a
/// grain-directory lease longer than a call's response timeout (seen: a learner silo restarted after a SIGKILL), and a
/// start that is never triggered would leave its runs without a learner.
/// </summary>
internal sealed class RlSiloStartup(IGrainFactory grains, ILocalSiloDetails silo, ILogger<RlSiloStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long the trigger is retried before the silo reports that its RL start failed.</summary>
    public static readonly TimeSpan TriggerDeadline = TimeSpan.FromMinutes(5);

    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RlSiloStartup), ServiceLifecycleStage.Active,
            started =>
            {
                _ = Task.Run(TriggerAsync, CancellationToken.None);
                return Task.CompletedTask;
            },
            stopping =>
            {
                _stopping.Cancel();
                return Task.CompletedTask;
            });

    private async Task TriggerAsync()
    {
        var startGrain = grains.GetGrain<ISiloStartGrain>(silo.SiloAddress.ToParsableString());
        var deadline = DateTime.UtcNow + TriggerDeadline;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await startGrain.Start();
                return;
            }
            catch (Exception e) when (DateTime.UtcNow < deadline && !_stopping.IsCancellationRequested)
            {
                GrainsLog.HookRetry(logger, silo.Name, e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token); }
                catch (OperationCanceledException) { return; }
            }
            catch (Exception e)
            {
                GrainsLog.HookFailed(logger, silo.Name, e.Message);
                return;
            }
        }
    }
}

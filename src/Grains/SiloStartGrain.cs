using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains;

/// <summary>
/// The RL start of one silo incarnation, placed where it is first called (the silo's own start hook): joins the silo's
/// <see cref="RlGrainOptions.RolloutSlots"/> rollout workers to the pool and, on a learner silo, restarts the learners
/// of unfinished runs (learner failover). A grain timer retries while the cluster settles (the pool or the registry may
/// still be on a dying silo) and keeps the grain active until it succeeds or gives up.
/// </summary>
[PreferLocalPlacement]
public sealed class SiloStartGrain(RlGrainOptions options, ILocalSiloDetails silo, ILogger<SiloStartGrain> logger) : Grain, ISiloStartGrain
{
    /// <summary>Pause between attempts.</summary>
    public static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(500);

    /// <summary>Attempts before giving up (5 minutes at <see cref="RetryPeriod"/>).</summary>
    public const int MaxAttempts = 600;

    private IGrainTimer? _timer;
    private int _attempts;
    private bool _done;

    public Task Start()
    {
        _timer ??= this.RegisterGrainTimer(TryStartAsync, new GrainTimerCreationOptions(TimeSpan.Zero, RetryPeriod) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task<bool> IsDone() => Task.FromResult(_done);

    private async Task TryStartAsync(CancellationToken cancellationToken)
    {
        if (_done) return;
        try
        {
            for (int slot = 0; slot < options.RolloutSlots; slot++)
                await GrainFactory.GetGrain<IRolloutWorkerGrain>($"{silo.Name}/{slot}").Join();
            if (options.Roles.Contains(SiloRoles.Learner, StringComparer.OrdinalIgnoreCase))
            {
                var runs = await GrainFactory.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).List();
                foreach (var run in runs.Where(r => r.State is RunState.Submitted or RunState.Running))
                    await GrainFactory.GetGrain<ILearnerGrain>(run.RunId).Start();
            }
            _done = true;
            Stop();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            if (++_attempts < MaxAttempts)
            {
                GrainsLog.HookRetry(logger, silo.Name, e.Message);
                return;
            }
            GrainsLog.HookGaveUp(logger, silo.Name, _attempts, e.Message);
            Stop();
        }
    }

    /// <summary>No more attempts: the timer goes and the grain may deactivate.</summary>
    private void Stop()
    {
        _timer?.Dispose();
        _timer = null;
    }
}

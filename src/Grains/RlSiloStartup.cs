using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Grains;

/// <summary>
/// When the silo becomes Active: starts this incarnation's <see cref="SiloStartGrain"/> (on this silo), which joins
/// the rollout workers and restarts unfinished runs' learners, retrying on its grain timer. One call, no loop here.
/// </summary>
internal sealed class RlSiloStartup(IGrainFactory grains, ILocalSiloDetails silo, ILogger<RlSiloStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RlSiloStartup), ServiceLifecycleStage.Active, async _ =>
        {
            try
            {
                await grains.GetGrain<ISiloStartGrain>(silo.SiloAddress.ToParsableString()).Start();
            }
            catch (Exception e)
            {
                // A local call that fails means the silo itself is failing; its start is reported by Orleans.
                GrainsLog.HookFailed(logger, silo.Name, e.Message);
            }
        });
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Storage;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Grains;

/// <summary>Puts the RL grains on a silo: the grain classes, their services, and the start hook.</summary>
public static class RlSiloBuilderExtensions
{
    /// <summary>
    /// Registers the RL grains with <paramref name="storage"/> (shared by every silo of the cluster) and a start hook
    /// that, once this silo is Active, joins its <see cref="RlGrainOptions.RolloutSlots"/> rollout workers to the pool
    /// and — on a silo with the "learner" role — restarts the learners of unfinished runs (learner failover).
    /// </summary>
    public static SiloBuilder AddRlGrains(this SiloBuilder builder, RlGrainOptions options, IGrainStorage storage)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        return builder
            .AddGrainsFrom(typeof(RlSiloBuilderExtensions).Assembly)
            .ConfigureServices(services =>
            {
                services.AddSingleton(options);
                services.AddSingleton(storage);
            })
            .OnStarting(silo =>
            {
                // The hook runs before the silo joins; the joins need it Active (placement), so they run afterwards.
                _ = Task.Run(() => AfterActiveAsync(silo, options));
                return Task.CompletedTask;
            });
    }

    private static async Task AfterActiveAsync(RuntimeSilo silo, RlGrainOptions options)
    {
        var logger = silo.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Precision.Orleans.Grains");
        for (int attempt = 0; silo.IsServing && attempt < 600; attempt++)
        {
            try
            {
                await silo.View.RefreshAsync();
                if (silo.View.Find(silo.Address) is not { Status: SiloStatus.Active })
                {
                    await Task.Delay(100);
                    continue;
                }
                for (int slot = 0; slot < options.RolloutSlots; slot++)
                    await silo.GrainFactory.GetGrain<IRolloutWorkerGrain>($"{silo.Address.SiloId}/{slot}").Join();
                if (silo.Options.Roles.Contains("learner", StringComparer.OrdinalIgnoreCase))
                {
                    var runs = await silo.GrainFactory.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).List();
                    foreach (var run in runs.Where(r => r.State is RunState.Submitted or RunState.Running))
                        await silo.GrainFactory.GetGrain<ILearnerGrain>(run.RunId).Start();
                }
                return;
            }
            catch (Exception e) when (silo.IsServing)
            {
                GrainsLog.HookRetry(logger, silo.Address.SiloId, e.Message);
                await Task.Delay(500);
            }
        }
    }
}

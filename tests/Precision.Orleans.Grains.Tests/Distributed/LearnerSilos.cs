using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// An in-process test cluster of learner-role silos running the RL grains, with the fast failover of the real silos and
/// grain storage shared by the silos (the shards' logs outlive a killed silo, as on Redis).
/// </summary>
internal static class LearnerSilos
{
    public static async Task<InProcessTestCluster> StartAsync(short silos, Action<ISiloBuilder>? configure = null)
    {
        var storage = new ConcurrentDictionary<string, (byte[] Data, string ETag)>();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>(RlStorage.Name, (sp, _) => new SharedGrainStorage(storage, sp.GetRequiredService<Serializer>()));
            silo.AddRlGrains(new RlGrainOptions { RunsRoot = Path.GetTempPath(), Roles = [SiloRoles.Learner] });
            silo.UseFastFailover(TimeSpan.FromSeconds(30));
            configure?.Invoke(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static async Task StopAsync(InProcessTestCluster cluster)
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }
}

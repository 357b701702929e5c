using Orleans.Runtime;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// Each silo's start hook makes one call, to its own <see cref="SiloStartGrain"/>, whose grain timer joins the silo's
/// rollout workers to the pool; the grain lives on that silo, per incarnation.
/// </summary>
public sealed class SiloStartGrainTests
{
    [Fact]
    public async Task A_rollout_silos_start_grain_runs_on_it_and_joins_its_workers()
    {
        await using var cluster = new RlCluster(Path.Combine(Path.GetTempPath(), "silo-start-" + Guid.NewGuid().ToString("N")));
        var learner = await cluster.StartSiloAsync("learner-s", SiloRoles.Learner);
        var rollout = await cluster.StartSiloAsync("rollout-s", SiloRoles.Rollout, rolloutSlots: 2);

        var pool = cluster.Client.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyList<WorkerInfo> workers;
        while ((workers = await pool.List()).Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, $"workers joined: {string.Join(", ", workers.Select(w => w.WorkerKey))}");
            await Task.Delay(50);
        }
        Assert.Equal(["rollout-s/0", "rollout-s/1"], workers.Select(w => w.WorkerKey).Order());

        foreach (var silo in new[] { learner, rollout })
        {
            var start = cluster.Client.GetGrain<ISiloStartGrain>(silo.SiloAddress.ToParsableString());
            Assert.True(await start.IsDone(), $"{silo.Name}: start grain not done");
            var placed = await cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(start);
            Assert.Equal(silo.SiloAddress, placed);
        }
    }
}

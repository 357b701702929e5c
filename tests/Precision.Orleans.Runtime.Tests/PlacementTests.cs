using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Placement;
using Xunit;

namespace Precision.Orleans.Runtime.Tests;

public sealed class PlacementTests
{
    [Fact]
    public async Task GrainsWithARoleLandOnlyOnSilosWithThatRole()
    {
        await using var cluster = new TestCluster();
        var cpu = await cluster.StartSiloAsync("cpu-1", "cpu");
        var gpu1 = await cluster.StartSiloAsync("gpu-1", "gpu");
        var gpu2 = await cluster.StartSiloAsync("gpu-2", "gpu", "learner");

        var placed = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            placed.Add(await cpu.GrainFactory.GetGrain<IGpuGrain>($"g{i}-{Guid.NewGuid()}").WhereAmI());
        }

        Assert.DoesNotContain("cpu-1", placed);
        Assert.Contains("gpu-1", placed);
        Assert.Contains("gpu-2", placed);
        Assert.Equal(0, cpu.ActivationCount);
        Assert.Equal(24, gpu1.ActivationCount + gpu2.ActivationCount);
    }

    [Fact]
    public async Task AClientThatDoesNotKnowTheRoleIsRedirectedToASiloWithIt()
    {
        await using var cluster = new TestCluster();
        await cluster.StartSiloAsync("cpu-1", "cpu");
        await cluster.StartSiloAsync("cpu-2", "cpu");
        var gpu = await cluster.StartSiloAsync("gpu-1", "gpu");
        await using var client = cluster.Cluster.NewClient();
        await client.ConnectAsync();

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("gpu-1", await client.GetGrain<IGpuGrain>($"r{i}").WhereAmI());
        }
        Assert.Equal(6, gpu.ActivationCount);
    }

    [Fact]
    public async Task ACallNeedingAMissingRoleTimesOutNamingTheRole()
    {
        var cluster = new InProcessCluster();
        await using var cpu = cluster.NewSilo("cpu-only", "cpu").AddGrain<GpuGrain>().AddGrain<CounterGrain>()
            .Configure(o => o with { Calls = o.Calls with { ResponseTimeout = TimeSpan.FromMilliseconds(400) } })
            .Build();
        await cpu.StartAsync();

        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => cpu.GrainFactory.GetGrain<IGpuGrain>("x").WhereAmI());
        Assert.Contains("no Active silo has role 'gpu'", error.Message);
    }

    [Fact]
    public void TheDirectorIsDeterministicUnderASeedAndHonoursRolesAndLoad()
    {
        var now = DateTimeOffset.UnixEpoch;
        MembershipEntry Entry(string id, SiloStatus status, params string[] roles) =>
            new(new SiloAddress(id, "loopback://" + id, 1), roles, status, now, now);
        var silos = new[]
        {
            Entry("c", SiloStatus.Active, "gpu"), Entry("a", SiloStatus.Active, "GPU"), Entry("b", SiloStatus.Active, "cpu"),
            Entry("d", SiloStatus.Joining, "gpu"), Entry("e", SiloStatus.Dead, "gpu"), Entry("f", SiloStatus.ShuttingDown, "gpu"),
        };
        var seeded = new[] { new PlacementDirector(new PlacementOptions { Seed = 5 }), new PlacementDirector(new PlacementOptions { Seed = 5 }) };

        var first = Enumerable.Range(0, 50).Select(_ => seeded[0].Choose("gpu", silos)!.SiloId).ToList();
        var second = Enumerable.Range(0, 50).Select(_ => seeded[1].Choose("gpu", silos.Reverse())!.SiloId).ToList();

        Assert.Equal(first, second);
        Assert.Equal(["a", "c"], first.Distinct().Order());
        Assert.Null(seeded[0].Choose("tpu", silos));

        var leastLoaded = new PlacementDirector(new PlacementOptions { Strategy = PlacementStrategy.LeastLoaded, Seed = 1 });
        var load = new Dictionary<SiloAddress, int> { [silos[0].Silo] = 3, [silos[1].Silo] = 5 };
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal("c", leastLoaded.Choose("gpu", silos, load)!.SiloId));
    }
}

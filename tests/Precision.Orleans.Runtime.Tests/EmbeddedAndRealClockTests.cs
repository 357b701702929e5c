using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Membership;
using Xunit;

namespace Precision.Orleans.Runtime.Tests;

/// <summary>The runtime on its real timers (short periods): the embedded mode and an unattended failover.</summary>
public sealed class EmbeddedAndRealClockTests
{
    [Fact]
    public async Task TheEmbeddedSiloRunsGrainsInOneProcess()
    {
        await using var silo = SiloBuilder.CreateEmbedded().AddGrainsFrom(typeof(CounterGrain).Assembly).Build();
        await silo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("embedded-" + Guid.NewGuid());

        Assert.Equal(4, await grain.Add(4));
        Assert.Equal(4, await grain.Get());
        Assert.True(silo.IsServing);
        Assert.Equal(1, silo.ActivationCount);
    }

    [Fact]
    public async Task AKilledSilosGrainIsServedByTheSurvivorWithoutAnyManualStep()
    {
        var cluster = new InProcessCluster();
        var membership = new MembershipOptions { HeartbeatPeriod = TimeSpan.FromMilliseconds(100), MissedHeartbeatsBeforeSuspect = 3 };
        Silo Build(string id) => cluster.NewSilo(id).AddGrain<CounterGrain>().Configure(o => o with { Membership = membership }).Build();
        await using var a = Build("a");
        await using var b = Build("b");
        await a.StartAsync();
        await b.StartAsync();
        await using var client = cluster.NewClient(new ClusterClientOptions { MembershipRefreshPeriod = TimeSpan.FromMilliseconds(100) });
        await client.ConnectAsync();
        // Let everyone see both silos, then find a grain that lives on b.
        await Task.Delay(300);
        string? key = null;
        for (var i = 0; key is null && i < 200; i++)
        {
            var candidate = $"auto-{i}-{Guid.NewGuid()}";
            key = await client.GetGrain<ICounterGrain>(candidate).WhereAmI() == "b" ? candidate : null;
        }
        Assert.NotNull(key);

        b.Abort();
        var started = DateTime.UtcNow;
        var answer = await client.GetGrain<ICounterGrain>(key).WhereAmI();

        Assert.Equal("a", answer);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), $"failover took {DateTime.UtcNow - started}");
        Assert.Equal(SiloStatus.Dead, (await cluster.Membership.ReadAllAsync()).Single(r => r.Silo == b.Address).Status);
    }
}

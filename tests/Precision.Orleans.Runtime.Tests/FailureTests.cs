using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Xunit;

namespace Precision.Orleans.Runtime.Tests;

public sealed class FailureTests
{
    [Fact]
    public async Task ASiloThatMissesHeartbeatsIsDeclaredDeadAndItsGrainsReactivateOnALiveSilo()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a", "gpu");
        var b = await cluster.StartSiloAsync("b", "gpu");
        // Put grains on b by calling them from b (placement is random, so pick keys until b hosts some).
        var onB = new List<string>();
        for (var i = 0; onB.Count < 3 && i < 200; i++)
        {
            var key = $"f{i}-{Guid.NewGuid()}";
            if (await b.GrainFactory.GetGrain<ICounterGrain>(key).WhereAmI() == "b")
            {
                await b.GrainFactory.GetGrain<ICounterGrain>(key).Add(10);
                onB.Add(key);
            }
        }
        Assert.Equal(3, onB.Count);

        b.Abort();
        // Within the suspicion window nothing happens.
        cluster.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(await a.Membership.RunOnceAsync());
        cluster.Clock.Advance(TimeSpan.FromSeconds(2));
        var declared = await a.Membership.RunOnceAsync();

        Assert.Equal([b.Address], declared);
        var row = (await cluster.Cluster.Membership.ReadAllAsync()).Single(r => r.Silo == b.Address);
        Assert.Equal(SiloStatus.Dead, row.Status);
        foreach (var key in onB)
        {
            Assert.Null(await cluster.Cluster.Directory.LookupAsync(GrainId.For(typeof(ICounterGrain), key)));
        }
        foreach (var key in onB)
        {
            var grain = a.GrainFactory.GetGrain<ICounterGrain>(key);
            Assert.Equal("a", await grain.WhereAmI());
            // In-memory state died with b: the new activation starts over.
            Assert.Equal(0, await grain.Get());
            Assert.Equal(2, CounterGrain.Activations[key]);
        }
    }

    [Fact]
    public async Task ACallToAGrainOfACrashedSiloWaitsForTheVerdictThenReactivates()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        string? key = null;
        for (var i = 0; key is null && i < 200; i++)
        {
            var candidate = $"w{i}-{Guid.NewGuid()}";
            key = await a.GrainFactory.GetGrain<ICounterGrain>(candidate).WhereAmI() == "b" ? candidate : null;
        }
        Assert.NotNull(key);

        b.Abort();
        // The call starts while b is still Active in the table: it cannot be delivered, so it keeps re-resolving.
        var call = a.GrainFactory.GetGrain<ICounterGrain>(key).WhereAmI();
        await Task.Delay(200);
        Assert.False(call.IsCompleted);
        cluster.Clock.Advance(TimeSpan.FromSeconds(5));
        await a.Membership.RunOnceAsync();

        Assert.Equal("a", await call.WaitAsync(TimeSpan.FromSeconds(8)));
    }

    [Fact]
    public async Task ASlowHeartbeatThatStillAnswersItsProbeIsNotDeclaredDead()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");

        // b is alive (attached, serving) but its heartbeats stall: only a heartbeats.
        cluster.Clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(await a.Membership.RunOnceAsync());
        Assert.Equal(SiloStatus.Active, (await cluster.Cluster.Membership.ReadAllAsync()).Single(r => r.Silo == b.Address).Status);
    }

    [Fact]
    public async Task ASiloDeclaredDeadStopsServingAtItsNextRound()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        var row = (await cluster.Cluster.Membership.ReadAllAsync()).Single(r => r.Silo == b.Address);

        Assert.True(await cluster.Cluster.Membership.TryMarkDeadAsync(b.Address, row.LastHeartbeat));
        await b.Membership.RunOnceAsync();

        Assert.False(b.IsServing);
        Assert.True(a.IsServing);
    }

    [Fact]
    public async Task GracefulStopDeactivatesGrainsAndLeavesTheRowDead()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var key = "stop-" + Guid.NewGuid();
        await a.GrainFactory.GetGrain<ICounterGrain>(key).Noop();

        await a.StopAsync();

        Assert.Equal(1, CounterGrain.Deactivations[key]);
        Assert.Null(await cluster.Cluster.Directory.LookupAsync(GrainId.For(typeof(ICounterGrain), key)));
        Assert.Equal(SiloStatus.Dead, (await cluster.Cluster.Membership.ReadAllAsync()).Single(r => r.Silo == a.Address).Status);
    }
}

using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Xunit;

namespace Precision.Orleans.Runtime.Tests;

public sealed class CallRoutingTests
{
    /// <summary>Records what crosses the wire, then delivers it.</summary>
    private sealed class RecordingTransport(IGrainTransport inner) : IGrainTransport
    {
        public List<GrainCallRequest> Sent { get; } = [];

        public Task<GrainCallResponse> SendAsync(SiloAddress target, GrainCallRequest request, CancellationToken cancellationToken = default)
        {
            lock (Sent)
            {
                Sent.Add(request);
            }
            return inner.SendAsync(target, request, cancellationToken);
        }

        public Task<bool> ProbeAsync(SiloAddress target, TimeSpan timeout, CancellationToken cancellationToken = default) =>
            inner.ProbeAsync(target, timeout, cancellationToken);
    }

    [Fact]
    public async Task RequestsCarryTheIdempotentFlagAndADeadline()
    {
        await using var cluster = new TestCluster();
        await cluster.StartSiloAsync("a");
        var transport = new RecordingTransport(new LoopbackTransport(cluster.Cluster.Network));
        await using var client = new Hosting.ClusterClient(cluster.Cluster.Membership, cluster.Cluster.Directory, transport);
        await client.ConnectAsync();
        var grain = client.GetGrain<ICounterGrain>("flags-" + Guid.NewGuid());
        var before = DateTimeOffset.UtcNow;

        await grain.Add(1);
        await grain.Get();

        Assert.Equal(["Add", "Get"], transport.Sent.Select(r => r.Method));
        Assert.False(transport.Sent[0].Idempotent);
        Assert.True(transport.Sent[1].Idempotent);
        Assert.All(transport.Sent, r => Assert.InRange(r.Deadline!.Value, before.AddSeconds(25), before.AddSeconds(35)));
        Assert.All(transport.Sent, r => Assert.Equal(typeof(ICounterGrain).FullName, r.GrainId.Type));
    }

    [Fact]
    public async Task AStaleCachedLocationIsRedirectedToTheOneLiveActivation()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        await using var client = cluster.Cluster.NewClient();
        await client.ConnectAsync();
        var key = "stale-" + Guid.NewGuid();
        var id = GrainId.For(typeof(ICounterGrain), key);
        var first = await client.GetGrain<ICounterGrain>(key).WhereAmI();
        var (home, other) = first == "a" ? (a, b) : (b, a);

        // The grain is collected on its silo, then re-created on the other one by a call from there (home is made
        // ineligible for placement — ShuttingDown — but keeps serving).
        cluster.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, await home.CollectIdleActivationsAsync());
        var homeRow = (await cluster.Cluster.Membership.ReadAllAsync()).Single(r => r.Silo == home.Address);
        await cluster.Cluster.Membership.UpsertAsync(homeRow with { Status = SiloStatus.ShuttingDown });
        await other.Membership.RunOnceAsync();
        await other.GrainFactory.GetGrain<ICounterGrain>(key).Add(7);
        Assert.True(other.HasActivation(id));

        // The client still believes the grain is on `home`: home must not activate a second copy but redirect.
        Assert.Equal(other.Address.SiloId, await client.GetGrain<ICounterGrain>(key).WhereAmI());
        Assert.Equal(7, await client.GetGrain<ICounterGrain>(key).Get());
        Assert.False(home.HasActivation(id));
        Assert.Equal(2, CounterGrain.Activations[key]);
    }

    [Fact]
    public async Task OneWayCallsReturnBeforeTheGrainRunsAndStillRun()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var key = "oneway-" + Guid.NewGuid();
        var grain = a.GrainFactory.GetGrain<IOneWayGrain>(key);

        await grain.Signal(5);

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (OneWayGrain.Received.GetValueOrDefault(key) != 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.Equal(5, OneWayGrain.Received[key]);
    }
}

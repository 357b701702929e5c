using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Messaging;
using Xunit;

namespace Precision.Orleans.Runtime.Tests;

public sealed class ActivationTests
{
    [Fact]
    public async Task ConcurrentFirstCallsFromManyTasksCreateOneActivation()
    {
        await using var cluster = new TestCluster();
        var silo = await cluster.StartSiloAsync("a");
        var key = "one-" + Guid.NewGuid();

        // Fresh references per task: nothing is shared but the key.
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => silo.GrainFactory.GetGrain<ICounterGrain>(key).Add(1))));

        Assert.Equal(1, CounterGrain.Activations[key]);
        Assert.Equal(64, await silo.GrainFactory.GetGrain<ICounterGrain>(key).Get());
        // Each call saw a distinct running total: no lost update, so the 64 calls were serialized.
        Assert.Equal(Enumerable.Range(1, 64), results.Order());
    }

    [Fact]
    public async Task ConcurrentFirstCallsFromTwoSilosCreateOneActivationInTheCluster()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        var keys = Enumerable.Range(0, 12).Select(i => $"two-{i}-{Guid.NewGuid()}").ToList();

        var calls = keys.SelectMany(key => Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            (i % 2 == 0 ? a : b).GrainFactory.GetGrain<ICounterGrain>(key).Add(1))));
        await Task.WhenAll(calls);

        foreach (var key in keys)
        {
            Assert.Equal(1, CounterGrain.Activations[key]);
            var id = GrainId.For(typeof(ICounterGrain), key);
            Assert.True(a.HasActivation(id) ^ b.HasActivation(id), $"{key} must live on exactly one silo");
            Assert.Equal(8, await a.GrainFactory.GetGrain<ICounterGrain>(key).Get());
            var registered = await cluster.Cluster.Directory.LookupAsync(id);
            Assert.Equal(a.HasActivation(id) ? a.Address : b.Address, registered!.Silo);
        }
    }

    [Fact]
    public async Task CallsOfOneActivationNeverOverlap()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        var key = "turns-" + Guid.NewGuid();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).GrainFactory.GetGrain<ICounterGrain>(key).Add(2)));

        Assert.Equal(1, CounterGrain.MaxConcurrency[key]);
        Assert.Equal(80, await a.GrainFactory.GetGrain<ICounterGrain>(key).Get());
    }

    [Fact]
    public async Task GrainExceptionsReachTheCallerWithTypeAndMessage()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        await using var client = cluster.Cluster.NewClient();
        await client.ConnectAsync();
        var key = "fail-" + Guid.NewGuid();

        var error = await Assert.ThrowsAsync<GrainCallException>(() => client.GetGrain<ICounterGrain>(key).Fail("boom 42"));

        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteType);
        Assert.Equal("boom 42", error.RemoteMessage);
        Assert.Contains("System.InvalidOperationException: boom 42", error.Message);
        // The activation survives its method's exception.
        Assert.Equal(3, await client.GetGrain<ICounterGrain>(key).Add(3));
        Assert.Equal(1, CounterGrain.Activations[key]);
    }

    [Fact]
    public async Task ArgumentsAndResultsAreCopiedThroughTheCodec()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var values = new[] { 1f, 2f, 3f };
        var sample = new Sample("s", values, [4, 5]);

        var echoed = await a.GrainFactory.GetGrain<ICounterGrain>("echo-" + Guid.NewGuid()).Echo(sample);

        Assert.Equal("s!", echoed.Name);
        Assert.Equal(values, echoed.Values);
        Assert.NotSame(values, echoed.Values);
        Assert.Equal([4, 5], echoed.Counts);
    }

    [Fact]
    public async Task IdleActivationsAreDeactivatedAndTheNextCallReactivates()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var key = "idle-" + Guid.NewGuid();
        var grain = a.GrainFactory.GetGrain<ICounterGrain>(key);
        var id = GrainId.For(typeof(ICounterGrain), key);
        await grain.Add(5);

        cluster.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(0, await a.CollectIdleActivationsAsync());
        Assert.True(a.HasActivation(id));

        cluster.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await a.CollectIdleActivationsAsync());
        Assert.False(a.HasActivation(id));
        Assert.Equal(1, CounterGrain.Deactivations[key]);
        Assert.Null(await cluster.Cluster.Directory.LookupAsync(id));

        // State was in memory only: a new activation starts from zero.
        Assert.Equal(0, await grain.Get());
        Assert.Equal(2, CounterGrain.Activations[key]);
    }

    [Fact]
    public async Task DeactivateOnIdleEndsTheActivationAfterTheCall()
    {
        await using var cluster = new TestCluster();
        var a = await cluster.StartSiloAsync("a");
        var key = "self-" + Guid.NewGuid();
        var grain = a.GrainFactory.GetGrain<ICounterGrain>(key);

        await grain.Deactivate();

        Assert.Equal(1, CounterGrain.Deactivations[key]);
        Assert.Equal(0, a.ActivationCount);
        await grain.Noop();
        Assert.Equal(2, CounterGrain.Activations[key]);
    }

    [Fact]
    public async Task IdleCollectionRunsOnItsOwnTimer()
    {
        var cluster = new Hosting.InProcessCluster();
        await using var silo = cluster.NewSilo("timed")
            .AddGrain<CounterGrain>()
            .Configure(o => o with { IdleDeactivationAge = TimeSpan.FromMilliseconds(100), IdleCollectionPeriod = TimeSpan.FromMilliseconds(50) })
            .Build();
        await silo.StartAsync();
        var key = "timer-" + Guid.NewGuid();
        await silo.GrainFactory.GetGrain<ICounterGrain>(key).Noop();
        Assert.Equal(1, silo.ActivationCount);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (silo.ActivationCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, silo.ActivationCount);
        Assert.Equal(1, CounterGrain.Deactivations[key]);
    }
}

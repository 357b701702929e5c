using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Xunit;

namespace Precision.Orleans.Runtime.Tests.Clustering;

public sealed class PostgresGrainDirectoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly GrainId Grain = new("Precision.Orleans.Abstractions.Grains.IRunGrain", "run-1");

    private static SiloAddress Silo(int i) => new($"silo-{i}", $"http://127.0.0.1:{5000 + i}", 1);

    private static async Task JoinAsync(Runtime.Clustering.Postgres.PostgresClustering cluster, params SiloAddress[] silos)
    {
        foreach (var silo in silos)
        {
            Assert.True(await cluster.Membership.UpsertAsync(new MembershipEntry(silo, ["cpu"], SiloStatus.Active, T0, T0)));
        }
    }

    [Fact]
    public async Task Concurrent_register_or_get_from_many_connections_has_one_winner_everyone_sees()
    {
        await using var cluster = await TestPostgres.ConnectAsync(maxPoolSize: 40);
        var silos = Enumerable.Range(0, 32).Select(Silo).ToArray();
        await JoinAsync(cluster, silos);

        for (var round = 0; round < 3; round++)
        {
            var grain = Grain with { Key = $"contended-{round}" };
            using var start = new ManualResetEventSlim();
            var calls = silos.Select(silo => Task.Run(async () =>
            {
                start.Wait();
                return await cluster.Directory.RegisterOrGetAsync(new GrainAddress(grain, silo, GrainAddress.NewActivationId()));
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(calls);

            var winner = Assert.Single(results.Distinct());
            Assert.Contains(winner.Silo, silos);
            Assert.Equal(winner, await cluster.Directory.LookupAsync(grain));
        }
    }

    [Fact]
    public async Task A_registration_on_a_dead_or_unknown_silo_is_replaced_a_live_one_is_kept()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        await JoinAsync(cluster, Silo(1), Silo(2));
        var first = new GrainAddress(Grain, Silo(1), GrainAddress.NewActivationId());
        Assert.Equal(first, await cluster.Directory.RegisterOrGetAsync(first));

        var second = new GrainAddress(Grain, Silo(2), GrainAddress.NewActivationId());
        Assert.Equal(first, await cluster.Directory.RegisterOrGetAsync(second));

        Assert.True(await cluster.Membership.TryMarkDeadAsync(Silo(1), T0));
        Assert.Equal(second, await cluster.Directory.RegisterOrGetAsync(second));
        Assert.Equal(second, await cluster.Directory.LookupAsync(Grain));

    }

    [Fact]
    public async Task A_dead_or_unknown_silo_cannot_register()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        await JoinAsync(cluster, Silo(1));
        var ghost = new GrainAddress(Grain, new SiloAddress("ghost", "http://127.0.0.1:1", 1), "a");
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Directory.RegisterOrGetAsync(ghost));
        Assert.Contains("ghost", unknown.Message);

        Assert.True(await cluster.Membership.TryMarkDeadAsync(Silo(1), T0));
        await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Directory.RegisterOrGetAsync(new GrainAddress(Grain, Silo(1), "b")));
        Assert.Null(await cluster.Directory.LookupAsync(Grain));
    }

    [Fact]
    public async Task Unregister_removes_only_the_exact_activation()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        await JoinAsync(cluster, Silo(1));
        var current = new GrainAddress(Grain, Silo(1), "current");
        await cluster.Directory.RegisterOrGetAsync(current);

        Assert.False(await cluster.Directory.UnregisterAsync(current with { ActivationId = "predecessor" }));
        Assert.Equal(current, await cluster.Directory.LookupAsync(Grain));
        Assert.True(await cluster.Directory.UnregisterAsync(current));
        Assert.Null(await cluster.Directory.LookupAsync(Grain));
        Assert.False(await cluster.Directory.UnregisterAsync(current));
    }

    [Fact]
    public async Task Unregister_silo_removes_its_grains_and_counts_follow()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        await JoinAsync(cluster, Silo(1), Silo(2));
        for (var i = 0; i < 5; i++)
        {
            await cluster.Directory.RegisterOrGetAsync(new GrainAddress(Grain with { Key = $"g{i}" }, Silo(i < 3 ? 1 : 2), $"a{i}"));
        }

        var counts = await cluster.Directory.CountBySiloAsync();
        Assert.Equal(3, counts[Silo(1)]);
        Assert.Equal(2, counts[Silo(2)]);

        Assert.Equal(3, await cluster.Directory.UnregisterSiloAsync(Silo(1)));
        counts = await cluster.Directory.CountBySiloAsync();
        Assert.False(counts.ContainsKey(Silo(1)));
        Assert.Equal(2, counts[Silo(2)]);
        Assert.Null(await cluster.Directory.LookupAsync(Grain with { Key = "g0" }));
    }
}

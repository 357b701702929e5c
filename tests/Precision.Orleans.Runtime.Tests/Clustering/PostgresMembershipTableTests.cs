using Precision.Orleans.Runtime.Membership;
using Xunit;

namespace Precision.Orleans.Runtime.Tests.Clustering;

public sealed class PostgresMembershipTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    private static MembershipEntry Entry(SiloAddress silo, SiloStatus status, DateTimeOffset heartbeat, params string[] roles) =>
        new(silo, roles, status, T0, heartbeat);

    [Fact]
    public async Task Upsert_then_read_all_round_trips_every_field_and_other_clusters_are_invisible()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        await using var other = await TestPostgres.ConnectAsync();
        var a = new SiloAddress("learner", "http://127.0.0.1:5001", 7);
        var b = new SiloAddress("rollout-1", "http://127.0.0.1:5002", 9);
        Assert.True(await cluster.Membership.UpsertAsync(Entry(a, SiloStatus.Active, T0.AddSeconds(1), "learner", "cpu")));
        Assert.True(await cluster.Membership.UpsertAsync(Entry(b, SiloStatus.Joining, T0.AddSeconds(2), "gpu")));
        Assert.True(await other.Membership.UpsertAsync(Entry(a, SiloStatus.Active, T0, "cpu")));

        var rows = (await cluster.Membership.ReadAllAsync()).OrderBy(e => e.Silo.SiloId).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(a, rows[0].Silo);
        Assert.Equal(["learner", "cpu"], rows[0].Roles);
        Assert.Equal(SiloStatus.Active, rows[0].Status);
        Assert.Equal(T0, rows[0].StartedAt);
        Assert.Equal(T0.AddSeconds(1), rows[0].LastHeartbeat);
        Assert.Equal(b, rows[1].Silo);
        Assert.Equal(SiloStatus.Joining, rows[1].Status);
        Assert.Single(await other.Membership.ReadAllAsync());
    }

    [Fact]
    public async Task Heartbeat_moves_forward_only_and_is_refused_for_a_dead_or_unknown_silo()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        var silo = new SiloAddress("s", "http://127.0.0.1:1", 1);
        await cluster.Membership.UpsertAsync(Entry(silo, SiloStatus.Active, T0));

        Assert.True(await cluster.Membership.HeartbeatAsync(silo, T0.AddSeconds(5)));
        Assert.True(await cluster.Membership.HeartbeatAsync(silo, T0.AddSeconds(3))); // late writer: no going back
        Assert.Equal(T0.AddSeconds(5), (await cluster.Membership.ReadAllAsync())[0].LastHeartbeat);

        Assert.False(await cluster.Membership.HeartbeatAsync(silo with { Generation = 2 }, T0.AddSeconds(6)));
        Assert.True(await cluster.Membership.TryMarkDeadAsync(silo, T0.AddSeconds(5)));
        Assert.False(await cluster.Membership.HeartbeatAsync(silo, T0.AddSeconds(7)));
    }

    [Fact]
    public async Task A_dead_row_is_never_revived_by_upsert_and_status_never_moves_backwards()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        var silo = new SiloAddress("s", "http://127.0.0.1:1", 1);
        await cluster.Membership.UpsertAsync(Entry(silo, SiloStatus.ShuttingDown, T0));
        Assert.True(await cluster.Membership.UpsertAsync(Entry(silo, SiloStatus.Active, T0.AddSeconds(1))));
        Assert.Equal(SiloStatus.ShuttingDown, (await cluster.Membership.ReadAllAsync())[0].Status);

        Assert.True(await cluster.Membership.TryMarkDeadAsync(silo, T0.AddSeconds(1)));
        Assert.False(await cluster.Membership.UpsertAsync(Entry(silo, SiloStatus.Active, T0.AddSeconds(2))));
        var row = Assert.Single(await cluster.Membership.ReadAllAsync());
        Assert.Equal(SiloStatus.Dead, row.Status);

        // The restarted silo joins as a new generation.
        Assert.True(await cluster.Membership.UpsertAsync(Entry(silo with { Generation = 2 }, SiloStatus.Active, T0.AddSeconds(3))));
        Assert.Equal(2, (await cluster.Membership.ReadAllAsync()).Count);
    }

    [Fact]
    public async Task Mark_dead_race_from_many_connections_has_exactly_one_winner()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        var silo = new SiloAddress("victim", "http://127.0.0.1:1", 1);
        var heartbeat = T0.AddTicks(1234567); // sub-microsecond ticks: the table keeps microseconds
        await cluster.Membership.UpsertAsync(Entry(silo, SiloStatus.Active, heartbeat));
        var observed = (await cluster.Membership.ReadAllAsync())[0].LastHeartbeat;

        using var start = new ManualResetEventSlim();
        var racers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await cluster.Membership.TryMarkDeadAsync(silo, observed);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(racers);

        Assert.Equal(1, results.Count(won => won));
        Assert.Equal(SiloStatus.Dead, (await cluster.Membership.ReadAllAsync())[0].Status);
    }

    [Fact]
    public async Task Mark_dead_fails_when_the_silo_heartbeated_after_the_suspicion()
    {
        await using var cluster = await TestPostgres.ConnectAsync();
        var silo = new SiloAddress("slow", "http://127.0.0.1:1", 1);
        await cluster.Membership.UpsertAsync(Entry(silo, SiloStatus.Active, T0));
        var observed = (await cluster.Membership.ReadAllAsync())[0].LastHeartbeat;

        Assert.True(await cluster.Membership.HeartbeatAsync(silo, T0.AddSeconds(1)));

        Assert.False(await cluster.Membership.TryMarkDeadAsync(silo, observed));
        Assert.Equal(SiloStatus.Active, (await cluster.Membership.ReadAllAsync())[0].Status);
    }

    [Fact]
    public async Task Schema_creation_is_idempotent_when_many_clients_connect_at_once()
    {
        var clusterId = TestPostgres.NewClusterId();
        var connects = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => TestPostgres.ConnectAsync(clusterId, maxPoolSize: 4)));
        try
        {
            var silo = new SiloAddress("s", "http://127.0.0.1:1", 1);
            Assert.True(await connects[0].Membership.UpsertAsync(Entry(silo, SiloStatus.Active, T0)));
            Assert.Single(await connects[7].Membership.ReadAllAsync());
        }
        finally
        {
            foreach (var c in connects)
            {
                await c.DisposeAsync();
            }
        }
    }
}

using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Xunit;

namespace Precision.Orleans.Runtime.Tests;

/// <summary>The semantics every IMembershipTable / IGrainDirectory must have, checked on the in-memory ones.</summary>
public sealed class ClusterTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MembershipEntry Entry(string id, SiloStatus status = SiloStatus.Active) =>
        new(new SiloAddress(id, "loopback://" + id, 1), ["cpu"], status, T0, T0);

    [Fact]
    public async Task MarkDeadIsConditionalOnTheObservedHeartbeatAndDeadIsFinal()
    {
        var table = new InMemoryMembershipTable();
        var silo = Entry("s");
        Assert.True(await table.UpsertAsync(silo));
        Assert.True(await table.HeartbeatAsync(silo.Silo, T0.AddSeconds(5)));

        // The suspicion was formed on an old heartbeat: the silo heartbeated since, so it lives.
        Assert.False(await table.TryMarkDeadAsync(silo.Silo, T0));
        Assert.True(await table.TryMarkDeadAsync(silo.Silo, T0.AddSeconds(5)));
        Assert.False(await table.TryMarkDeadAsync(silo.Silo, T0.AddSeconds(5)));

        Assert.False(await table.HeartbeatAsync(silo.Silo, T0.AddSeconds(6)));
        Assert.False(await table.UpsertAsync(silo with { Status = SiloStatus.Active }));
        Assert.Equal(SiloStatus.Dead, Assert.Single(await table.ReadAllAsync()).Status);
        Assert.False(await table.HeartbeatAsync(Entry("unknown").Silo, T0));
    }

    [Fact]
    public async Task ConcurrentRegistrationsHaveOneWinnerAndADeadSilosEntryIsReplaced()
    {
        var table = new InMemoryMembershipTable();
        var directory = new InMemoryGrainDirectory(table);
        var silos = Enumerable.Range(0, 8).Select(i => Entry("s" + i)).ToList();
        foreach (var silo in silos)
        {
            await table.UpsertAsync(silo);
        }
        var grain = new GrainId("IG", "k");

        var results = await Task.WhenAll(silos.Select(s => Task.Run(() => directory.RegisterOrGetAsync(new GrainAddress(grain, s.Silo, GrainAddress.NewActivationId())))));

        var winner = Assert.Single(results.Distinct());
        Assert.Equal(winner, await directory.LookupAsync(grain));

        // Unregister only removes the exact activation.
        Assert.False(await directory.UnregisterAsync(winner with { ActivationId = "other" }));
        var winnerRow = (await table.ReadAllAsync()).Single(r => r.Silo == winner.Silo);
        await table.TryMarkDeadAsync(winner.Silo, winnerRow.LastHeartbeat);
        var replacement = new GrainAddress(grain, silos.First(s => s.Silo != winner.Silo).Silo, GrainAddress.NewActivationId());
        Assert.Equal(replacement, await directory.RegisterOrGetAsync(replacement));

        // The dead silo itself may not register anything any more.
        var fromDead = new GrainAddress(new GrainId("IG", "other"), winner.Silo, GrainAddress.NewActivationId());
        Assert.Contains("Dead", (await Assert.ThrowsAsync<InvalidOperationException>(() => directory.RegisterOrGetAsync(fromDead))).Message);
        Assert.Null(await directory.LookupAsync(fromDead.GrainId));

        Assert.Equal(1, (await directory.CountBySiloAsync())[replacement.Silo]);
        Assert.Equal(1, await directory.UnregisterSiloAsync(replacement.Silo));
        Assert.Null(await directory.LookupAsync(grain));
    }
}

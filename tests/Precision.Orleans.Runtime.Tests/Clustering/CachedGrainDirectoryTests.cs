using Precision.Orleans.Runtime.Clustering;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Xunit;

namespace Precision.Orleans.Runtime.Tests.Clustering;

public sealed class CachedGrainDirectoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    private static readonly GrainId Grain = new("IWorkerGrain", "w");

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    private static async Task<(InMemoryMembershipTable Membership, InMemoryGrainDirectory Inner)> ClusterAsync(params SiloAddress[] silos)
    {
        var membership = new InMemoryMembershipTable();
        foreach (var silo in silos)
        {
            await membership.UpsertAsync(new MembershipEntry(silo, [], SiloStatus.Active, T0, T0));
        }

        return (membership, new InMemoryGrainDirectory(membership));
    }

    private static SiloAddress Silo(int i) => new($"s{i}", $"http://127.0.0.1:{i}", 1);

    [Fact]
    public async Task Lookups_are_served_from_the_cache_until_the_entry_expires()
    {
        var (_, inner) = await ClusterAsync(Silo(1), Silo(2));
        var clock = new ManualClock();
        var cached = new CachedGrainDirectory(inner, TimeSpan.FromSeconds(2), clock);
        var onOne = new GrainAddress(Grain, Silo(1), "a");
        await cached.RegisterOrGetAsync(onOne);

        // The grain moves behind the cache's back (another silo's doing).
        Assert.True(await inner.UnregisterAsync(onOne));
        var onTwo = new GrainAddress(Grain, Silo(2), "b");
        await inner.RegisterOrGetAsync(onTwo);

        Assert.Equal(onOne, await cached.LookupAsync(Grain));
        clock.Ticks += TimeSpan.FromSeconds(1.9).Ticks;
        Assert.Equal(onOne, await cached.LookupAsync(Grain));
        clock.Ticks += TimeSpan.FromSeconds(0.2).Ticks;
        Assert.Equal(onTwo, await cached.LookupAsync(Grain));
    }

    [Fact]
    public async Task Registration_always_asks_the_inner_directory_so_the_cache_never_makes_a_second_activation()
    {
        var (membership, inner) = await ClusterAsync(Silo(1), Silo(2));
        var cached = new CachedGrainDirectory(inner, TimeSpan.FromHours(1), new ManualClock());
        var first = new GrainAddress(Grain, Silo(1), "a");
        Assert.Equal(first, await cached.RegisterOrGetAsync(first));

        var other = new CachedGrainDirectory(inner, TimeSpan.FromHours(1), new ManualClock());
        var second = new GrainAddress(Grain, Silo(2), "b");
        Assert.Equal(first, await other.RegisterOrGetAsync(second));
        Assert.Equal(first, await other.LookupAsync(Grain));

        // Silo 1 dies: the registration through either cache replaces its entry, and the cache learns the winner.
        await membership.TryMarkDeadAsync(Silo(1), T0);
        Assert.Equal(second, await other.RegisterOrGetAsync(second));
        Assert.Equal(second, await other.LookupAsync(Grain));
    }

    [Fact]
    public async Task Unregistering_a_grain_or_a_silo_drops_the_cached_entries()
    {
        var (_, inner) = await ClusterAsync(Silo(1), Silo(2));
        var cached = new CachedGrainDirectory(inner, TimeSpan.FromHours(1), new ManualClock());
        var a = new GrainAddress(Grain, Silo(1), "a");
        var b = new GrainAddress(Grain with { Key = "other" }, Silo(1), "b");
        await cached.RegisterOrGetAsync(a);
        await cached.RegisterOrGetAsync(b);

        Assert.True(await cached.UnregisterAsync(a));
        Assert.Null(await cached.LookupAsync(a.GrainId));

        Assert.Equal(1, await cached.UnregisterSiloAsync(Silo(1)));
        Assert.Null(await cached.LookupAsync(b.GrainId));
    }
}

using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.Runtime.Tests;

/// <summary>Silos of one in-process cluster on a manual clock, with the test grains registered.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<Silo> _silos = [];

    public InProcessCluster Cluster { get; } = new();

    public ManualTimeProvider Clock { get; } = new();

    public static MembershipOptions Membership => new() { HeartbeatPeriod = TimeSpan.FromSeconds(1), MissedHeartbeatsBeforeSuspect = 3 };

    public async Task<Silo> StartSiloAsync(string siloId, params string[] roles)
    {
        var silo = Cluster.NewSilo(siloId, roles)
            .AddGrain<CounterGrain>()
            .AddGrain<GpuGrain>()
            .AddGrain<OneWayGrain>()
            .UseTimeProvider(Clock)
            .Configure(o => o with
            {
                Membership = Membership,
                IdleDeactivationAge = TimeSpan.FromMinutes(15),
                Placement = new PlacementOptions { Seed = 1 },
                Calls = o.Calls with { ResponseTimeout = TimeSpan.FromSeconds(10) },
            })
            .Build();
        await silo.StartAsync();
        _silos.Add(silo);
        // The clock is manual, so no periodic round runs: one round per silo lets everyone see the newcomer.
        foreach (var running in _silos.Where(s => s.IsServing))
        {
            await running.Membership.RunOnceAsync();
        }
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos.Where(s => s.IsServing))
        {
            await silo.StopAsync();
        }
    }
}

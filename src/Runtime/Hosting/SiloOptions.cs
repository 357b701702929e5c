using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.Runtime.Hosting;

/// <summary>Everything tunable about a silo, with the defaults a production cluster uses.</summary>
public sealed record SiloOptions
{
    /// <summary>Name of the silo, stable across restarts. Default "silo-" plus 8 random hex digits.</summary>
    public string SiloId { get; init; } = "silo-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Where peers reach this silo. Default "loopback://{SiloId}" (in-process transport).</summary>
    public string? Endpoint { get; init; }

    /// <summary>Placement roles offered (e.g. "gpu", "cpu", "learner"). Default none: only role-less grains land here.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>An activation with no call for this long is deactivated (Orleans' CollectionAge). Default 15 min.</summary>
    public TimeSpan IdleDeactivationAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for. Default 1 min.</summary>
    public TimeSpan IdleCollectionPeriod { get; init; } = TimeSpan.FromMinutes(1);

    public MembershipOptions Membership { get; init; } = new();

    public PlacementOptions Placement { get; init; } = new();

    public GrainCallOptions Calls { get; init; } = new();
}

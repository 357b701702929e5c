using Precision.Orleans.Runtime.Messaging;
using Precision.Orleans.Runtime.Placement;

namespace Precision.Orleans.Runtime.Hosting;

/// <summary>Options of a <see cref="ClusterClient"/>.</summary>
public sealed record ClusterClientOptions
{
    /// <summary>How often the client re-reads the membership table. Default 2 s.</summary>
    public TimeSpan MembershipRefreshPeriod { get; init; } = TimeSpan.FromSeconds(2);

    public GrainCallOptions Calls { get; init; } = new();

    public PlacementOptions Placement { get; init; } = new();

    /// <summary>Grain classes known to the client, for role-aware first placement. Default none: a silo lacking the
    /// role redirects the call.</summary>
    public IReadOnlyList<Type> GrainClasses { get; init; } = [];
}

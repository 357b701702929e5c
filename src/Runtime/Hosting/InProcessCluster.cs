using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Messaging;

namespace Precision.Orleans.Runtime.Hosting;

/// <summary>
/// The shared parts of a cluster living in one process: in-memory membership table and grain directory, and the
/// loopback network. The embedded mode is one silo on it; tests put several silos on one.
/// </summary>
public sealed class InProcessCluster
{
    public InProcessCluster()
    {
        Membership = new InMemoryMembershipTable();
        Directory = new InMemoryGrainDirectory(Membership);
    }

    public InMemoryMembershipTable Membership { get; }

    public InMemoryGrainDirectory Directory { get; }

    public LoopbackNetwork Network { get; } = new();

    /// <summary>A builder for a silo of this cluster.</summary>
    public SiloBuilder NewSilo(string siloId, params string[] roles) =>
        new SiloBuilder().UseInProcessCluster(this).UseSiloId(siloId).AddRoles(roles);

    /// <summary>A client of this cluster (a caller outside any silo).</summary>
    public ClusterClient NewClient(ClusterClientOptions? options = null) =>
        new(Membership, Directory, new LoopbackTransport(Network), options);
}

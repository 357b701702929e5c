using Orleans.Concurrency;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>Answers at once; keyed "{siloName}/…" so it lives on the named silo.</summary>
[SiloNamedPlacement, Reentrant]
public sealed class PingGrain : Grain, IPingGrain
{
    public Task Ping() => Task.CompletedTask;
}

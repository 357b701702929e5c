using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>Keyed "{siloName}/…": gets a weight version through the real path a rollout worker uses (its silo's cache, chunks from the learner).</summary>
[SiloNamedPlacement]
public sealed class WeightReceiverGrain : Grain, IWeightReceiverGrain
{
    public async Task<long> Receive(string runId, long version) =>
        (await GrainFactory.GetGrain<IWeightCacheGrain>(runId).Get(runId, version, version)).Bytes.LongLength;
}

using System.Diagnostics;
using Orleans.Storage;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// The silos' grain storage (memory or Redis, registered under another name) behind the name the grains ask for, with
/// every write timed into <see cref="ShardCallTimer"/>: the shards' durable log writes inside Apply, whatever the provider.
/// </summary>
internal sealed class TimedGrainStorage(IGrainStorage inner) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        long start = Stopwatch.GetTimestamp();
        await inner.WriteStateAsync(stateName, grainId, grainState);
        ShardCallTimer.Record(ShardCallTimer.StorageWrite, start);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

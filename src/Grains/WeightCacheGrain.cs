using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Distributed;

namespace Precision.Orleans.Grains;

/// <summary>
/// A silo's copy of a run's newest weight version (key = run id; one activation per silo). It fetches each version
/// from the learner once — in pooled chunks well under the message size limit, at most 8 in flight, each copied once
/// into the version's buffer and its pooled buffer given back — checks the payload's
/// transport checksum (<see cref="WeightTransportHash"/>), and
/// hands the same immutable payload to every rollout worker of the silo (local calls share it, no copy). Calls are
/// one at a time, so workers asking together wait for the one fetch. A sharded run's version comes from its parameter
/// shards instead (<see cref="ShardedWeightCache"/>) while they still hold it.
/// </summary>
[StatelessWorker(1)]
public sealed class WeightCacheGrain : Grain, IWeightCacheGrain
{
    private const int ChunksInFlight = 8;
    private WeightPayload? _held;

    public async Task<WeightPayload> Get(string runId, long minVersion, long maxVersion)
    {
        if (_held is { } held && held.Manifest.Version >= minVersion && held.Manifest.Version <= maxVersion) return held;
        var learner = GrainFactory.GetGrain<ILearnerGrain>(runId);
        var manifest = await learner.GetWeightManifest(minVersion);
        if (manifest.Shards is { } shards && await ShardedWeightCache.TryFetchAsync(GrainFactory, manifest, shards) is { } fromShards)
            return _held = fromShards;
        // Uninitialized: every byte is overwritten by a chunk (and checked by the hash below).
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(manifest.MasterBytes + manifest.AdapterBytes)));
        // A sliding window: a new chunk request goes out as soon as one arrives (lock-step batches idled the link while
        // the slowest chunk of each batch was still on the way).
        using var window = new SemaphoreSlim(ChunksInFlight);
        await Task.WhenAll(Enumerable.Range(0, manifest.ChunkCount).Select(async i =>
        {
            await window.WaitAsync();
            try
            {
                using var chunk = await learner.GetWeightChunk(manifest.Version, i);
                chunk.CopyTo(bytes.AsSpan((int)((long)i * manifest.ChunkBytes)));
            }
            finally { window.Release(); }
        }));
        WeightTransportHash.Check(manifest, bytes, $"weights v{manifest.Version} of run '{runId}'");
        _held = new WeightPayload(manifest, bytes);
        return _held;
    }
}

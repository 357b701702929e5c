using System.Security.Cryptography;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Distributed;

namespace Precision.Orleans.Grains;

/// <summary>
/// A silo's copy of a run's newest weight version (key = run id; one activation per silo). It fetches each version
/// from the learner once — in chunks well under the message size limit, a few at a time — checks the SHA-256, and
/// hands the same immutable payload to every rollout worker of the silo (local calls share it, no copy). Calls are
/// one at a time, so workers asking together wait for the one fetch. A sharded run's version comes from its parameter
/// shards instead (<see cref="ShardedWeightCache"/>) while they still hold it.
/// </summary>
[StatelessWorker(1)]
public sealed class WeightCacheGrain : Grain, IWeightCacheGrain
{
    private const int ChunksInFlight = 4;
    private WeightPayload? _held;

    public async Task<WeightPayload> Get(string runId, long minVersion, long maxVersion)
    {
        if (_held is { } held && held.Manifest.Version >= minVersion && held.Manifest.Version <= maxVersion) return held;
        var learner = GrainFactory.GetGrain<ILearnerGrain>(runId);
        var manifest = await learner.GetWeightManifest(minVersion);
        if (manifest.Shards is { } shards && await ShardedWeightCache.TryFetchAsync(GrainFactory, manifest, shards) is { } fromShards)
            return _held = fromShards;
        var bytes = new byte[manifest.MasterBytes + manifest.AdapterBytes];
        for (int first = 0; first < manifest.ChunkCount; first += ChunksInFlight)
        {
            var batch = Enumerable.Range(first, Math.Min(ChunksInFlight, manifest.ChunkCount - first))
                .Select(async i => (Index: i, Chunk: await learner.GetWeightChunk(manifest.Version, i)));
            foreach (var (index, chunk) in await Task.WhenAll(batch))
                chunk.CopyTo(bytes.AsSpan((int)((long)index * manifest.ChunkBytes)));
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (hash != manifest.Sha256)
            throw new InvalidDataException($"weights v{manifest.Version} of run '{runId}' arrived with hash {hash}, expected {manifest.Sha256}");
        _held = new WeightPayload(manifest, bytes);
        return _held;
    }
}

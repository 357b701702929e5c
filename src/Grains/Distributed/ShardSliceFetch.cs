using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Distributed;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// Fetches a weight version from a run's parameter shards: every shard's slice at once, each in chunks with a few in
/// flight, then the version hash over the slices' hashes checked against the one announced. Used by the gradient
/// workers (every step) and by the silos' weight caches (sharded runs' rollout weights).
/// </summary>
public static class ShardSliceFetch
{
    private const int ChunkValues = 1 << 18;
    private const int ChunksInFlight = 4;

    /// <param name="frozenBaseHash">LoRA: <see cref="WeightVersionHash.OfSlice"/> of the frozen base ("" for full fine-tuning).</param>
    public static async Task<float[]> FetchAsync(IReadOnlyList<IParameterShardGrain> shards, long[] offsets, long[] counts, long version,
        string frozenBaseHash, string expectedHash, string runId)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(counts);
        long total = offsets[^1] + counts[^1];
        var weights = new float[total];
        await Task.WhenAll(shards.Select(async (shard, s) =>
        {
            int chunks = (int)((counts[s] + ChunkValues - 1) / ChunkValues);
            for (int c0 = 0; c0 < chunks; c0 += ChunksInFlight)
            {
                var batch = await Task.WhenAll(Enumerable.Range(c0, Math.Min(ChunksInFlight, chunks - c0))
                    .Select(async c => (c, Values: await shard.GetWeightChunk(version, c, ChunkValues))));
                foreach (var (c, values) in batch)
                    values.CopyTo(weights, offsets[s] + (long)c * ChunkValues);
            }
        }));
        var sliceHashes = Enumerable.Range(0, shards.Count).Select(s => WeightVersionHash.OfSlice(weights.AsSpan((int)offsets[s], (int)counts[s]))).ToArray();
        string hash = WeightVersionHash.OfSliceHashes(frozenBaseHash, sliceHashes);
        if (hash != expectedHash)
            throw new InvalidDataException($"weights v{version} of run '{runId}' assembled from {shards.Count} shards hash to {hash}, the learner announced {expectedHash}");
        return weights;
    }
}

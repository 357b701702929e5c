using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// A silo weight cache's source for sharded runs: the version's master weights assembled from the run's parameter
/// shards (all in parallel, chunked, the slices' version hash checked), then the payload's SHA-256 checked against the
/// manifest — the learner's process serves none of it.
/// </summary>
public static class ShardedWeightCache
{
    /// <summary>
    /// The payload from the shards, or null when they have already moved past the manifest's shard version (the learner
    /// trained on) or one of them lost its state with its silo; the learner's own payload still holds the published version.
    /// </summary>
    public static async Task<WeightPayload?> TryFetchAsync(IGrainFactory grains, WeightManifest manifest, ShardedWeightSource source)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(source);
        var shards = Enumerable.Range(0, source.ShardOffsets.Length).Select(s => grains.GetGrain<IParameterShardGrain>(ShardKeys.Shard(source.RunId, s))).ToArray();
        float[] weights;
        try
        {
            weights = await ShardSliceFetch.FetchAsync(shards, source.ShardOffsets, source.ShardCounts, source.ShardVersion, "", source.VersionHash, source.RunId);
        }
        catch (Exception e) when (e is InvalidOperationException or DistributedStateLostException)
        {
            return null;
        }
        var bytes = MemoryMarshal.AsBytes(weights.AsSpan()).ToArray();
        if (bytes.LongLength != manifest.MasterBytes + manifest.AdapterBytes)
            throw new InvalidDataException($"weights v{manifest.Version} of run '{source.RunId}': the shards hold {bytes.LongLength} bytes, the manifest {manifest.MasterBytes + manifest.AdapterBytes}");
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (hash != manifest.Sha256)
            throw new InvalidDataException($"weights v{manifest.Version} of run '{source.RunId}' assembled from the shards hash to {hash}, expected {manifest.Sha256}");
        return new WeightPayload(manifest, bytes, FromShards: true);
    }
}

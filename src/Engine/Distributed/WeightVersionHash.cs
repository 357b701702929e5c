using System.Security.Cryptography;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// The content hash of a weight version held by parameter shards: each shard hashes only its own slice, and the version
/// is named by the hash of those slice hashes in shard order — nobody gathers the model to name a version, and a worker
/// that fetched every slice checks each one and the whole.
/// </summary>
public static class WeightVersionHash
{
    /// <summary>Lower-case hex SHA-256 of one slice's FP32 bytes (what a shard reports after each step).</summary>
    public static string OfSlice(ReadOnlySpan<float> slice) => Rollout.WeightSync.WeightHash(slice);

    /// <summary>The version hash: SHA-256 over the frozen base's slice hash (LoRA; empty otherwise) and the shards' slice hashes in shard order, as UTF-8 hex.</summary>
    public static string OfSliceHashes(string frozenBaseHash, IEnumerable<string> sliceHashesInShardOrder)
    {
        ArgumentNullException.ThrowIfNull(sliceHashesInShardOrder);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(frozenBaseHash));
        foreach (var h in sliceHashesInShardOrder) hash.AppendData(System.Text.Encoding.UTF8.GetBytes(h));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

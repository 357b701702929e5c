using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// The content hash of a weight version assembled from shard slices: SHA-256 over (a LoRA run's frozen base, then) the
/// slices in shard order. Shards hold consecutive ranges, so this equals <c>WeightSync.WeightHash</c> of the whole buffer:
/// a sharded run and a single learner name the same weights the same way.
/// </summary>
public static class WeightVersionHash
{
    public static string Of(ReadOnlySpan<float> frozenBase, IEnumerable<ReadOnlyMemory<float>> slicesInShardOrder)
    {
        ArgumentNullException.ThrowIfNull(slicesInShardOrder);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(frozenBase));
        foreach (var slice in slicesInShardOrder) hash.AppendData(MemoryMarshal.AsBytes(slice.Span));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Lower-case hex SHA-256 of one slice's FP32 bytes (what a shard reports after each step).</summary>
    public static string OfSlice(ReadOnlySpan<float> slice) => Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(slice)));

    /// <summary>
    /// The version hash the grains announce: SHA-256 over the frozen base's slice hash (LoRA; empty otherwise) and the
    /// shards' slice hashes in shard order, as UTF-8 hex — each shard hashes only its own slice, nobody gathers the
    /// model to name a version, and a worker that fetched every slice checks each one and the whole.
    /// </summary>
    public static string OfSliceHashes(string frozenBaseHash, IEnumerable<string> sliceHashesInShardOrder)
    {
        ArgumentNullException.ThrowIfNull(sliceHashesInShardOrder);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(frozenBaseHash));
        foreach (var h in sliceHashesInShardOrder) hash.AppendData(System.Text.Encoding.UTF8.GetBytes(h));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

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
}

using Orleans.Concurrency;
using Orleans.Serialization.Buffers;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>Keyed "{siloName}/{lane}": serves chunks of a byte array held by its silo (see <see cref="ChunkServerGrain"/>).</summary>
public interface IChunkServerGrain : IGrainWithStringKey
{
    /// <summary>Copies the silo's registered payload for <paramref name="runId"/> to its silo (a fresh run's version 0).</summary>
    Task Load(string runId, long version);

    [AlwaysInterleave, ReadOnly]
    Task<byte[]> GetChunk(string runId, int chunkBytes, int index);

    /// <summary>The same chunk in Orleans' pooled buffer (the codec returns the sender's to its pool; the receiver disposes its own).</summary>
    [AlwaysInterleave, ReadOnly]
    Task<PooledBuffer> GetPooledChunk(string runId, int chunkBytes, int index);
}

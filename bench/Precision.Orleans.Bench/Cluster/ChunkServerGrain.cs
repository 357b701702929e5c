using System.Collections.Concurrent;
using Orleans.Serialization.Buffers;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// A multi-activation chunk source for the probe: the payload sits in a process-wide table (the bench's silos share a
/// process), and each lane is its own activation on the learner's silo, so chunk reads do not share one activation.
/// </summary>
[SiloNamedPlacement]
public sealed class ChunkServerGrain : Grain, IChunkServerGrain
{
    private static readonly ConcurrentDictionary<string, byte[]> Payloads = new();

    public async Task Load(string runId, long version)
    {
        if (Payloads.ContainsKey(runId)) return;
        // Pull it once through the learner (cost not measured): the probe compares serving, not loading.
        var learner = GrainFactory.GetGrain<ILearnerGrain>(runId);
        var m = await learner.GetWeightManifest(version);
        var bytes = new byte[m.MasterBytes + m.AdapterBytes];
        for (int i = 0; i < m.ChunkCount; i++)
        {
            using var chunk = await learner.GetWeightChunk(m.Version, i);
            chunk.CopyTo(bytes.AsSpan(i * m.ChunkBytes));
        }
        Payloads[runId] = bytes;
    }

    public Task<byte[]> GetChunk(string runId, int chunkBytes, int index)
    {
        var bytes = Payloads[runId];
        long offset = (long)index * chunkBytes;
        return Task.FromResult(bytes.AsSpan((int)offset, (int)Math.Min(chunkBytes, bytes.Length - offset)).ToArray());
    }

    public Task<PooledBuffer> GetPooledChunk(string runId, int chunkBytes, int index)
    {
        var bytes = Payloads[runId];
        long offset = (long)index * chunkBytes;
        var buffer = new PooledBuffer();
        buffer.Write(bytes.AsSpan((int)offset, (int)Math.Min(chunkBytes, bytes.Length - offset)));
        return Task.FromResult(buffer);
    }
}

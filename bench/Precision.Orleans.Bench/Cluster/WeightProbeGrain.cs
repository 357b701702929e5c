using System.Diagnostics;
using System.IO.Hashing;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Bench.Cluster;

/// <summary>See <see cref="IWeightProbeGrain"/>.</summary>
[SiloNamedPlacement]
public sealed class WeightProbeGrain : Grain, IWeightProbeGrain
{
    private byte[]? _buffer;

    public async Task<WeightProbeTimes> Fetch(string runId, long version, int window, int servers, bool pooled, bool reuseBuffer)
    {
        var learner = GrainFactory.GetGrain<ILearnerGrain>(runId);
        var m = await learner.GetWeightManifest(version);
        if (servers > 0) await Task.WhenAll(Enumerable.Range(0, servers).Select(s => GrainFactory.GetGrain<IChunkServerGrain>($"learner/{s}").Load(runId, version)));
        long length = m.MasterBytes + m.AdapterBytes;
        var bytes = reuseBuffer && _buffer?.LongLength == length ? _buffer : new byte[length];
        if (reuseBuffer) _buffer = bytes;
        long copyTicks = 0;
        using var gate = new SemaphoreSlim(window);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, m.ChunkCount).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                if (!pooled)
                {
                    var array = await GrainFactory.GetGrain<IChunkServerGrain>($"learner/{i % servers}").GetChunk(runId, m.ChunkBytes, i);
                    long t = Stopwatch.GetTimestamp();
                    array.CopyTo(bytes.AsSpan(i * m.ChunkBytes));
                    Interlocked.Add(ref copyTicks, Stopwatch.GetTimestamp() - t);
                    return;
                }
                using var chunk = servers == 0 ? await learner.GetWeightChunk(m.Version, i)
                    : await GrainFactory.GetGrain<IChunkServerGrain>($"learner/{i % servers}").GetPooledChunk(runId, m.ChunkBytes, i);
                long t0 = Stopwatch.GetTimestamp();
                chunk.CopyTo(bytes.AsSpan(i * m.ChunkBytes));
                Interlocked.Add(ref copyTicks, Stopwatch.GetTimestamp() - t0);
            }
            finally { gate.Release(); }
        }));
        double fetch = clock.Elapsed.TotalSeconds;
        long h = Stopwatch.GetTimestamp();
        XxHash128.Hash(bytes);
        double hash = Stopwatch.GetElapsedTime(h).TotalSeconds;
        return new WeightProbeTimes(fetch, (double)copyTicks / Stopwatch.Frequency, hash, bytes.LongLength);
    }
}

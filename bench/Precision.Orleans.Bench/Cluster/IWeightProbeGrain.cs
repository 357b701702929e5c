namespace Precision.Orleans.Bench.Cluster;

/// <summary>
/// Takes the weight path apart (keyed "{siloName}/…", so it stands on a receiver's silo): pulls a published version's
/// chunks from the learner — or the same bytes from chunk servers on the learner's silo — and times each stage.
/// </summary>
public interface IWeightProbeGrain : IGrainWithStringKey
{
    /// <summary>
    /// Fetches version <paramref name="version"/> of <paramref name="runId"/> in chunks, <paramref name="window"/> in flight:
    /// from the learner grain (pooled chunks) when <paramref name="servers"/> is 0, else from that many
    /// <see cref="IChunkServerGrain"/> activations on the learner's silo (chunk i from server i mod servers), as
    /// <see cref="Orleans.Serialization.Buffers.PooledBuffer"/> when <paramref name="pooled"/>, else as a new byte[] per
    /// chunk (the path before). <paramref name="reuseBuffer"/>: copy into this grain's buffer of the last fetch instead
    /// of a new one (transport alone, no fresh memory at the receiver).
    /// </summary>
    Task<WeightProbeTimes> Fetch(string runId, long version, int window, int servers, bool pooled = true, bool reuseBuffer = false);
}

/// <summary>Seconds of one probe: all chunks in, the copy into one buffer (summed over chunks), the XXH128 of the whole.</summary>
[GenerateSerializer, Immutable]
public sealed record WeightProbeTimes([property: Id(0)] double Fetch, [property: Id(1)] double Copy, [property: Id(2)] double Hash, [property: Id(3)] long Bytes);

namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// One parameter shard of a run (key "{runId}/shard/{s}", on a learner-role silo): a slice of the FP32 master weights
/// and AdamW moments. It sums the gradient slices of a step in micro-batch (= worker) order, reports its overflow and
/// norms, and steps only on the learner's decision; it serves its slice of the current weight version in chunks.
/// </summary>
public interface IParameterShardGrain : IGrainWithStringKey
{
    /// <summary>Takes the slice and optimizer of <paramref name="setup"/>; the log keeps its earlier entries.</summary>
    Task Initialize(ShardSetup setup);

    /// <summary>Starts collecting step <paramref name="step"/>: <paramref name="microBatches"/> slices are expected.</summary>
    Task BeginStep(long step, int microBatches);

    /// <summary>Micro-batch <paramref name="microBatch"/>'s scaled gradient slice for this shard.</summary>
    Task AddGradient(long step, int microBatch, float[] slice);

    Task<ShardReport> Reduce(long step, float lossScale);

    /// <summary>Applies or skips the step as decided; refuses a decision for a step it has not reduced.</summary>
    Task<ShardLogEntry> Apply(StepDecision decision);

    /// <summary>Chunk <paramref name="chunk"/> (of <paramref name="chunkValues"/> values) of this shard's slice at <paramref name="version"/>; fails if the shard holds another version.</summary>
    [AlwaysInterleave]
    Task<float[]> GetWeightChunk(long version, int chunk, int chunkValues);

    /// <summary>Writes this shard's slice (master, AdamW moments, step count) into <paramref name="directory"/>, atomically.</summary>
    Task<ShardSliceFile> SaveSlice(string directory);

    /// <summary>Replaces this shard's slice with a checkpointed one (checksum checked) holding weight version <paramref name="version"/>.</summary>
    Task LoadSlice(string directory, ShardSliceFile file, long version);

    /// <summary>This shard's AdamW moments and step count (runs no longer pull them: shards write their own checkpoint slices; the sharded-step bench times this pull as the replaced path).</summary>
    Task<ShardMoments> GetMoments();

    /// <summary>
    /// Every decision this shard received (its own log, durable: it outlives the shard's silo and re-initializations),
    /// oldest first, each labelled with the attempt that initialized the shard; the newest few thousand are kept.
    /// </summary>
    [AlwaysInterleave]
    Task<ShardLogEntry[]> GetLog();
}

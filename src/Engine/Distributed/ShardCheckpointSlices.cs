namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// A sharded checkpoint's slices put back together (<see cref="ShardCheckpoint.Assemble"/>): the trained parameters'
/// FP32 masters and AdamW moments as the one-process flat buffers, and the shards' common AdamW step count.
/// </summary>
public sealed record ShardCheckpointSlices(float[] Master, float[] M, float[] V, long StepCount);

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// The learner's manifest tying a sharded checkpoint together: the step, the weight version and its hash, the loss
/// scaler's state, and every shard's file with its checksum. Written last, atomically: a directory without it is an
/// unfinished checkpoint and is never resumed from.
/// </summary>
/// <param name="BaseWeightsSha256">LoRA runs: SHA-256 of the frozen base the adapters in the slices were trained on (checked on load); else null.</param>
public sealed record ShardCheckpointManifest(long Step, long Version, string WeightHash, float LossScale, int GrowthTracker, long SkippedSteps,
    ShardCheckpointEntry[] Shards, string? BaseWeightsSha256 = null);

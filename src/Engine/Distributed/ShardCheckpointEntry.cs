namespace Precision.Orleans.Engine.Distributed;

/// <summary>One shard's file in a sharded checkpoint: which values it holds and the SHA-256 of the file.</summary>
public sealed record ShardCheckpointEntry(int Shard, string File, string Sha256, long Offset, long Count);

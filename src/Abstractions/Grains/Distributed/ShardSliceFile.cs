namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>A shard's file in a sharded checkpoint directory, with its SHA-256 and the values it holds.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardSliceFile(
    [property: Id(0)] int Shard,
    [property: Id(1)] string File,
    [property: Id(2)] string Sha256,
    [property: Id(3)] long Offset,
    [property: Id(4)] long Count);

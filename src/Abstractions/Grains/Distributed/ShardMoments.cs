namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>A parameter shard's AdamW state: its slice of the first and second moments and its step count.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardMoments(
    [property: Id(0)] int Shard,
    [property: Id(1)] float[] M,
    [property: Id(2)] float[] V,
    [property: Id(3)] long StepCount);

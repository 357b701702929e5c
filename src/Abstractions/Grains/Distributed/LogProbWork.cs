namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// A gradient worker's share of the old-log-prob pass: no-grad forwards of its consecutive micro-batches (of
/// <paramref name="TotalMicroBatches"/>) at weight version <paramref name="Version"/> (content hash
/// <paramref name="WeightHash"/>, fetched from the shards unless the worker already holds it).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LogProbWork(
    [property: Id(0)] long Version,
    [property: Id(1)] string WeightHash,
    [property: Id(2)] int Worker,
    [property: Id(3)] int TotalMicroBatches,
    [property: Id(4)] LogProbMicroBatch[] MicroBatches);

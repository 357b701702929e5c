namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// A gradient worker's share of one optimizer step: its micro-batches (global indices within the step's
/// <paramref name="TotalMicroBatches"/>), computed from weight version <paramref name="Version"/> (content hash
/// <paramref name="WeightHash"/>, fetched from the shards) at loss scale <paramref name="LossScale"/>. A next-token step
/// sends <paramref name="MicroBatches"/>; an RL step sends <paramref name="PolicyMicroBatches"/> (the worker's setup
/// names the policy loss) and leaves <paramref name="MicroBatches"/> empty.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GradientWork(
    [property: Id(0)] long Step,
    [property: Id(1)] long Version,
    [property: Id(2)] string WeightHash,
    [property: Id(3)] float LossScale,
    [property: Id(4)] int Worker,
    [property: Id(5)] int TotalMicroBatches,
    [property: Id(6)] LanguageModelMicroBatch[] MicroBatches,
    [property: Id(7)] PolicyMicroBatch[]? PolicyMicroBatches = null);

namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// The learner's loss-scale consensus for one optimizer step, the same for every shard: step with one clip coefficient
/// and learning rate, or skip. <paramref name="Version"/> is the weight version the shards hold afterwards.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StepDecision(
    [property: Id(0)] long Step,
    [property: Id(1)] bool Apply,
    [property: Id(2)] float LossScale,
    [property: Id(3)] float NextLossScale,
    [property: Id(4)] float GradNorm,
    [property: Id(5)] float? ClipCoefficient,
    [property: Id(6)] float LearningRate,
    [property: Id(7)] string[] OverflowHolders,
    [property: Id(8)] long Version);

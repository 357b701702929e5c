namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>The AdamW hyper-parameters a parameter shard steps its slice with (the run's optimizer options).</summary>
[GenerateSerializer, Immutable]
public sealed record AdamWSettings(
    [property: Id(0)] float LearningRate,
    [property: Id(1)] float Beta1,
    [property: Id(2)] float Beta2,
    [property: Id(3)] float Epsilon,
    [property: Id(4)] float WeightDecay);

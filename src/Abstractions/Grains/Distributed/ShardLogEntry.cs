namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// One line of a parameter shard's own log: the decision it received for a step, what it did, and the SHA-256 of its
/// slice afterwards. <paramref name="Attempt"/> is the initialization the entry belongs to (the learner's run attempt
/// that set the shard up): a run restarted from a checkpoint logs its steps again under a new attempt, so readers group
/// entries by (attempt, step).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardLogEntry(
    [property: Id(0)] int Shard,
    [property: Id(1)] long Step,
    [property: Id(2)] bool Applied,
    [property: Id(3)] float LossScale,
    [property: Id(4)] float NextLossScale,
    [property: Id(5)] long OptimizerSteps,
    [property: Id(6)] string OverflowHolders,
    [property: Id(7)] long Version,
    [property: Id(8)] string SliceSha256,
    [property: Id(9)] int Attempt = 0);

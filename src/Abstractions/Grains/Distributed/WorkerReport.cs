namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>A gradient worker's report for one step (after its slices reached every shard): overflow, Σ of its unscaled gradients' squares, target tokens, micro-batches, the seconds its weight fetch took (0 when cached) and, for RL steps, each policy micro-batch's outcome.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerReport(
    [property: Id(0)] int Worker,
    [property: Id(1)] long Step,
    [property: Id(2)] bool Overflow,
    [property: Id(3)] double SumSquares,
    [property: Id(4)] int Tokens,
    [property: Id(5)] int MicroBatches,
    [property: Id(6)] double FetchSeconds,
    [property: Id(7)] PolicyMicroBatchOutcome[]? Policy = null);

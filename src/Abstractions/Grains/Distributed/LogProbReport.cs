namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>A gradient worker's old-log-prob share: the version it computed at, the seconds its weight fetch took (0 when it already held the version) and each micro-batch's outcome.</summary>
[GenerateSerializer, Immutable]
public sealed record LogProbReport(
    [property: Id(0)] int Worker,
    [property: Id(1)] long Version,
    [property: Id(2)] double FetchSeconds,
    [property: Id(3)] LogProbMicroBatchOutcome[] MicroBatches);

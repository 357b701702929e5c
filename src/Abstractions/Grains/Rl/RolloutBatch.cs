namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>A worker's answer to a <see cref="RolloutRequest"/>.</summary>
/// <param name="Sequences">One per requested response, in sequence-index order.</param>
/// <param name="WeightVersion">Weight version the worker sampled with.</param>
/// <param name="WeightHash">Hex SHA-256 of those weights' FP32 master values.</param>
/// <param name="WorkerKey">The worker grain's key ("{siloId}/{slot}").</param>
/// <param name="SiloId">Silo the worker ran on.</param>
/// <param name="Seconds">Wall seconds of the generation (excluding the weight pull).</param>
[GenerateSerializer, Immutable]
public sealed record RolloutBatch(
    [property: Id(0)] IReadOnlyList<GeneratedSequence> Sequences,
    [property: Id(1)] long WeightVersion,
    [property: Id(2)] string WeightHash,
    [property: Id(3)] string WorkerKey,
    [property: Id(4)] string SiloId,
    [property: Id(5)] double Seconds);

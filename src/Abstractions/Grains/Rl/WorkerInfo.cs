namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>A rollout worker known to the pool.</summary>
/// <param name="WorkerKey">"{siloId}/{slot}".</param>
/// <param name="SiloId">Its silo.</param>
/// <param name="InFlight">Requests handed to it and not yet released.</param>
/// <param name="Completed">Requests it completed.</param>
/// <param name="RegisteredAt">When it joined.</param>
[GenerateSerializer, Immutable]
public sealed record WorkerInfo(
    [property: Id(0)] string WorkerKey,
    [property: Id(1)] string SiloId,
    [property: Id(2)] int InFlight,
    [property: Id(3)] long Completed,
    [property: Id(4)] DateTimeOffset RegisteredAt);

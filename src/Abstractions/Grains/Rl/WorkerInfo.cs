namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>A rollout worker known to the pool.</summary>
/// <param name="WorkerKey">"{siloId}/{slot}".</param>
/// <param name="SiloId">Its silo.</param>
/// <param name="InFlight">Requests handed to it and not yet released.</param>
/// <param name="Completed">Requests it completed.</param>
/// <param name="RegisteredAt">When it joined.</param>
public sealed record WorkerInfo(string WorkerKey, string SiloId, int InFlight, long Completed, DateTimeOffset RegisteredAt);

namespace Precision.Orleans.Grains.State;

/// <summary>A rollout worker and the silo (by name) it lives on.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerRegistration([property: Id(0)] string WorkerKey, [property: Id(1)] string SiloName, [property: Id(2)] DateTimeOffset RegisteredAt);

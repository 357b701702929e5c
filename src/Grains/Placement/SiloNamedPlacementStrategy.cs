namespace Precision.Orleans.Grains.Placement;

/// <summary>Places a grain keyed "{siloName}/…" on the active silo of that name (one rollout worker per slot of its silo).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloNamedPlacementStrategy : PlacementStrategy
{
}

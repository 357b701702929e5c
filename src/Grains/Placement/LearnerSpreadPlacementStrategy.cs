namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// Spreads a run's distributed-learner grains (keys ending in "/{index}") round-robin over the silos with the
/// <see cref="SiloRoles.Learner"/> role, by index.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class LearnerSpreadPlacementStrategy : PlacementStrategy
{
    public string Role => SiloRoles.Learner;
}

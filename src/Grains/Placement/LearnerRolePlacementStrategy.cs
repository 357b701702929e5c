namespace Precision.Orleans.Grains.Placement;

/// <summary>Places a grain on a silo whose metadata lists the <see cref="SiloRoles.Learner"/> role.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class LearnerRolePlacementStrategy : PlacementStrategy
{
    public string Role => SiloRoles.Learner;
}

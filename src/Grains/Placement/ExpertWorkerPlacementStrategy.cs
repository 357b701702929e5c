namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// Places an expert worker (key "{group}/expert/{owners}/{owner}") by its group: a training group (a name ending in
/// "/train", <see cref="Distributed.ExpertGroups"/>) spreads its owners by index over the learner-role silos; any other
/// group (rollout) goes where the silo's default placement puts it.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class ExpertWorkerPlacementStrategy : PlacementStrategy
{
    public string Role => SiloRoles.Learner;
}

using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// Picks, among the silos with the strategy's role, the local silo, else the first by address so every silo agrees;
/// no such silo is an error the caller sees (and retries once one joins).
/// </summary>
internal sealed class LearnerRolePlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = LearnerRoleSilos.Sorted(metadata, ((LearnerRolePlacementStrategy)strategy).Role, target, context);
        return Task.FromResult(silos.Contains(context.LocalSilo) ? context.LocalSilo : silos[0]);
    }
}

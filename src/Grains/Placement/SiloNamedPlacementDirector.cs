using Orleans.Runtime.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// Maps a key "{siloName}/{slot}" to the active silo of that name in the membership. A worker whose silo is gone
/// cannot be placed elsewhere (it would be a second worker on another silo's slots): the call fails, and the pool
/// drops the worker.
/// </summary>
internal sealed class SiloNamedPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString();
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        string name = slash < 0 ? key : key[..slash];
        var compatible = context.GetCompatibleSilos(target);
        var silo = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && m.Name == name && compatible.Contains(m.SiloAddress))
            .Select(m => m.SiloAddress)
            .FirstOrDefault();
        return Task.FromResult(silo ?? throw new SiloUnavailableException($"rollout worker '{key}': its silo '{name}' is not an active member of the cluster"));
    }
}

using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// Picks, among the compatible silos, those whose silo metadata lists the strategy's role (the built-in metadata
/// filters only match the caller's own value), preferring the local silo, else the first by address so every silo
/// agrees; no such silo is an error the caller sees (and retries once one joins).
/// </summary>
internal sealed class LearnerRolePlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string role = ((LearnerRolePlacementStrategy)strategy).Role;
        var silos = context.GetCompatibleSilos(target).Where(s => HasRole(s, role)).OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        if (silos.Length == 0)
            throw new OrleansException($"no active silo has the '{role}' role for {target.GrainIdentity} (start a silo with --Silo:Roles {role})");
        return Task.FromResult(silos.Contains(context.LocalSilo) ? context.LocalSilo : silos[0]);
    }

    private bool HasRole(SiloAddress silo, string role) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var roles)
        && SiloRoles.Parse(roles).Contains(role, StringComparer.OrdinalIgnoreCase);
}

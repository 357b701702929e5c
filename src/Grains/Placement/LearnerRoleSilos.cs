using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// The compatible silos whose metadata lists a role (the built-in metadata filters only match the caller's own value),
/// ordered by address so every silo computes the same list.
/// </summary>
internal static class LearnerRoleSilos
{
    public static SiloAddress[] Sorted(ISiloMetadataCache metadata, string role, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).Where(s => HasRole(metadata, s, role)).OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        if (silos.Length == 0)
            throw new OrleansException($"no active silo has the '{role}' role for {target.GrainIdentity} (start a silo with --Silo:Roles {role})");
        return silos;
    }

    private static bool HasRole(ISiloMetadataCache metadata, SiloAddress silo, string role) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var roles)
        && SiloRoles.Parse(roles).Contains(role, StringComparer.OrdinalIgnoreCase);
}

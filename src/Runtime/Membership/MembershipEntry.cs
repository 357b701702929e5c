namespace Precision.Orleans.Runtime.Membership;

/// <summary>
/// One silo row of the membership table. <paramref name="Roles"/> are the placement roles the silo offers
/// (e.g. "gpu", "cpu", "learner"). <paramref name="StartedAt"/> and <paramref name="LastHeartbeat"/> are UTC
/// (offset zero) timestamps taken from the silo's own clock (its TimeProvider).
/// </summary>
public sealed record MembershipEntry(
    SiloAddress Silo,
    IReadOnlyList<string> Roles,
    SiloStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeat)
{
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.OrdinalIgnoreCase);

    public bool IsPlacementTarget => Status == SiloStatus.Active;
}

namespace Precision.Orleans.Runtime.Membership;

/// <summary>
/// This process's latest snapshot of the membership table: who is alive and with which roles. Refreshed by the
/// membership agent every heartbeat period and on demand when a call finds a silo unreachable.
/// </summary>
public sealed class MembershipView(IMembershipTable table)
{
    private volatile IReadOnlyList<MembershipEntry> _entries = [];

    public IReadOnlyList<MembershipEntry> Entries => _entries;

    /// <summary>Silos that take new activations (status Active).</summary>
    public IReadOnlyList<MembershipEntry> ActiveSilos => [.. _entries.Where(e => e.IsPlacementTarget)];

    public async Task RefreshAsync(CancellationToken cancellationToken = default) =>
        Update(await table.ReadAllAsync(cancellationToken).ConfigureAwait(false));

    public void Update(IReadOnlyList<MembershipEntry> entries) => _entries = entries;

    public MembershipEntry? Find(SiloAddress silo) => _entries.FirstOrDefault(e => e.Silo == silo);

    /// <summary>True when the silo is known and not Dead (a silo missing from the table counts as dead).</summary>
    public bool IsAlive(SiloAddress silo) => Find(silo) is { Status: not SiloStatus.Dead };
}

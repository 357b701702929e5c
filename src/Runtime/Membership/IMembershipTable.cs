namespace Precision.Orleans.Runtime.Membership;

/// <summary>
/// The cluster's shared list of silos (Orleans' membership table). Rows are keyed by the full
/// <see cref="SiloAddress"/> (id, endpoint, generation). All timestamps are UTC. Every operation is atomic on its
/// own; implementations: <see cref="InMemoryMembershipTable"/> (one process) and PostgreSQL (runtime-net).
/// </summary>
public interface IMembershipTable
{
    /// <summary>
    /// Inserts the row, or replaces the existing row of the same address (status, roles, heartbeat). A row that is
    /// already <see cref="SiloStatus.Dead"/> is never revived: then nothing changes and the result is false
    /// (the silo must restart with a new generation). True when the row was written.
    /// </summary>
    Task<bool> UpsertAsync(MembershipEntry entry, CancellationToken cancellationToken = default);

    /// <summary>A snapshot of all rows (Dead ones included, until pruned), in no particular order.</summary>
    Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the row's LastHeartbeat to <paramref name="utcNow"/> (never backwards). Returns false when the row is
    /// missing or Dead — the silo has been declared dead and must stop serving (it may rejoin with a new generation).
    /// </summary>
    Task<bool> HeartbeatAsync(SiloAddress silo, DateTimeOffset utcNow, CancellationToken cancellationToken = default);

    /// <summary>
    /// Conditional update: marks <paramref name="silo"/> Dead only if its row still carries exactly
    /// <paramref name="observedHeartbeat"/> as LastHeartbeat and is not Dead yet. This makes the failure detector's
    /// read-decide-write safe: a silo that heartbeated after the suspicion was formed is not killed. Returns true
    /// when this call made the row Dead.
    /// </summary>
    Task<bool> TryMarkDeadAsync(SiloAddress silo, DateTimeOffset observedHeartbeat, CancellationToken cancellationToken = default);
}

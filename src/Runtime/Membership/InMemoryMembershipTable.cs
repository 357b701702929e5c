namespace Precision.Orleans.Runtime.Membership;

/// <summary>
/// <see cref="IMembershipTable"/> for one process (the embedded mode and multi-silo tests). One lock makes every
/// operation atomic.
/// </summary>
public sealed class InMemoryMembershipTable : IMembershipTable
{
    private readonly Dictionary<SiloAddress, MembershipEntry> _rows = [];
    private readonly Lock _lock = new();

    public Task<bool> UpsertAsync(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (_rows.TryGetValue(entry.Silo, out var existing) && existing.Status == SiloStatus.Dead)
            {
                return Task.FromResult(false);
            }
            _rows[entry.Silo] = entry with { Roles = [.. entry.Roles] };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<MembershipEntry>>([.. _rows.Values]);
        }
    }

    public Task<bool> HeartbeatAsync(SiloAddress silo, DateTimeOffset utcNow, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue(silo, out var row) || row.Status == SiloStatus.Dead)
            {
                return Task.FromResult(false);
            }
            if (utcNow > row.LastHeartbeat)
            {
                _rows[silo] = row with { LastHeartbeat = utcNow.ToUniversalTime() };
            }
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryMarkDeadAsync(SiloAddress silo, DateTimeOffset observedHeartbeat, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue(silo, out var row) || row.Status == SiloStatus.Dead || row.LastHeartbeat != observedHeartbeat)
            {
                return Task.FromResult(false);
            }
            _rows[silo] = row with { Status = SiloStatus.Dead };
            return Task.FromResult(true);
        }
    }
}

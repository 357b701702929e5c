using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Directory;

/// <summary>
/// <see cref="IGrainDirectory"/> for one process. Writes are serialized by one async lock so that the
/// "is the existing owner's silo dead?" check against the membership table and the write are one atomic step;
/// lookups read without the lock (every call does one).
/// </summary>
public sealed class InMemoryGrainDirectory(IMembershipTable membership) : IGrainDirectory
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<GrainId, GrainAddress> _entries = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<GrainAddress> RegisterOrGetAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await IsLiveAsync(address.Silo, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"Silo {address.Silo} is Dead or unknown in the membership table; it cannot register {address.GrainId}.");
            }
            if (_entries.TryGetValue(address.GrainId, out var existing) && await IsLiveAsync(existing.Silo, cancellationToken).ConfigureAwait(false))
            {
                return existing;
            }
            _entries[address.GrainId] = address;
            return address;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_entries.GetValueOrDefault(grainId));

    public Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default) =>
        Locked(() => _entries.TryGetValue(address.GrainId, out var existing) && existing == address && _entries.TryRemove(address.GrainId, out _), cancellationToken);

    public Task<int> UnregisterSiloAsync(SiloAddress silo, CancellationToken cancellationToken = default) =>
        Locked(() =>
        {
            var doomed = _entries.Where(e => e.Value.Silo == silo).Select(e => e.Key).ToList();
            doomed.ForEach(id => _entries.TryRemove(id, out _));
            return doomed.Count;
        }, cancellationToken);

    public Task<IReadOnlyDictionary<SiloAddress, int>> CountBySiloAsync(CancellationToken cancellationToken = default) =>
        Locked<IReadOnlyDictionary<SiloAddress, int>>(
            () => _entries.Values.GroupBy(a => a.Silo).ToDictionary(g => g.Key, g => g.Count()),
            cancellationToken);

    private async Task<bool> IsLiveAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        var rows = await membership.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        return rows.Any(r => r.Silo == silo && r.Status != SiloStatus.Dead);
    }

    private async Task<T> Locked<T>(Func<T> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return action();
        }
        finally
        {
            _gate.Release();
        }
    }
}

using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Directory;

/// <summary>
/// <see cref="IGrainDirectory"/> for one process. Registration is serialized by one async lock so that the
/// "is the existing owner's silo dead?" check against the membership table and the write are one atomic step.
/// </summary>
public sealed class InMemoryGrainDirectory(IMembershipTable membership) : IGrainDirectory
{
    private readonly Dictionary<GrainId, GrainAddress> _entries = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<GrainAddress> RegisterOrGetAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
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

    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
        await Locked(() => _entries.GetValueOrDefault(grainId), cancellationToken).ConfigureAwait(false);

    public Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default) =>
        Locked(() => _entries.TryGetValue(address.GrainId, out var existing) && existing == address && _entries.Remove(address.GrainId), cancellationToken);

    public Task<int> UnregisterSiloAsync(SiloAddress silo, CancellationToken cancellationToken = default) =>
        Locked(() =>
        {
            var doomed = _entries.Where(e => e.Value.Silo == silo).Select(e => e.Key).ToList();
            doomed.ForEach(id => _entries.Remove(id));
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

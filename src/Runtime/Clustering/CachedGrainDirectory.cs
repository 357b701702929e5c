using System.Collections.Concurrent;
using Precision.Orleans.Runtime.Directory;
using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Clustering;

/// <summary>
/// A silo-local cache in front of a remote <see cref="IGrainDirectory"/> (Orleans keeps one too): without it every
/// grain call pays a PostgreSQL round trip for <see cref="LookupAsync"/>. Only lookups are served from the cache;
/// registration and unregistration always go to the inner directory, which alone decides who activates — so the
/// cache can never create a second activation. A stale entry (the grain moved since) costs at most a redirect, and
/// lives at most <see cref="TimeToLive"/>; the runtime already skips cached addresses of silos it knows are dead.
/// </summary>
public sealed class CachedGrainDirectory(IGrainDirectory inner, TimeSpan timeToLive, TimeProvider? timeProvider = null) : IGrainDirectory
{
    /// <summary>Default time an entry is trusted: 2 s, one default heartbeat period.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<GrainId, (GrainAddress Address, long ExpiresAt)> _cache = new();

    public TimeSpan TimeToLive { get; } = timeToLive;

    public async Task<GrainAddress> RegisterOrGetAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        var winner = await inner.RegisterOrGetAsync(address, cancellationToken).ConfigureAwait(false);
        Remember(winner);
        return winner;
    }

    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(grainId, out var cached) && _time.GetTimestamp() < cached.ExpiresAt)
        {
            return cached.Address;
        }

        var found = await inner.LookupAsync(grainId, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            // Absence is not cached: the grain is about to be placed, and the winner is remembered then.
            _cache.TryRemove(grainId, out _);
        }
        else
        {
            Remember(found);
        }

        return found;
    }

    public Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken = default)
    {
        _cache.TryRemove(address.GrainId, out _);
        return inner.UnregisterAsync(address, cancellationToken);
    }

    public Task<int> UnregisterSiloAsync(SiloAddress silo, CancellationToken cancellationToken = default)
    {
        foreach (var (grainId, entry) in _cache)
        {
            if (entry.Address.Silo == silo)
            {
                _cache.TryRemove(grainId, out _);
            }
        }

        return inner.UnregisterSiloAsync(silo, cancellationToken);
    }

    /// <summary>Always from the inner directory: placement needs current counts, not this silo's view.</summary>
    public Task<IReadOnlyDictionary<SiloAddress, int>> CountBySiloAsync(CancellationToken cancellationToken = default) =>
        inner.CountBySiloAsync(cancellationToken);

    /// <summary>Forgets one grain's entry (e.g. after a redirect showed it moved).</summary>
    public void Invalidate(GrainId grainId) => _cache.TryRemove(grainId, out _);

    private void Remember(GrainAddress address) =>
        _cache[address.GrainId] = (address, _time.GetTimestamp() + (long)(TimeToLive.TotalSeconds * _time.TimestampFrequency));
}

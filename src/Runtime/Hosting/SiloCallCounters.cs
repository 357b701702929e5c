using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Precision.Orleans.Runtime.Hosting;

/// <summary>
/// Calls a silo has handled since it started — from peers, clients and its own grains alike, counted where every
/// call enters (<see cref="Silo.HandleAsync"/>) — in total and per grain type. Monotonic counters; a reader derives
/// rates from two samples (the silo's /api/cluster and the dashboard do).
/// </summary>
public sealed class SiloCallCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byGrainType = new(StringComparer.Ordinal);
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    /// <summary>Calls per grain type (the grain interface's full name).</summary>
    public IReadOnlyDictionary<string, long> ByGrainType =>
        _byGrainType.ToDictionary(e => e.Key, e => Interlocked.Read(ref e.Value.Value), StringComparer.Ordinal);

    public void Count(string grainType)
    {
        Interlocked.Increment(ref _total);
        Interlocked.Increment(ref _byGrainType.GetOrAdd(grainType, _ => new StrongBox<long>()).Value);
    }
}

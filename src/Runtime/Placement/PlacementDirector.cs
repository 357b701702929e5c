using Precision.Orleans.Runtime.Membership;

namespace Precision.Orleans.Runtime.Placement;

/// <summary>
/// Chooses the silo for a new activation among Active silos having the grain class's role. Candidates are ordered by
/// silo id and generation before the random draw, so a seeded director makes the same choices in every run.
/// </summary>
public sealed class PlacementDirector(PlacementOptions options)
{
    private readonly Random _random = options.Seed is { } seed ? new Random(seed) : new Random();
    private readonly Lock _lock = new();

    public PlacementStrategy Strategy => options.Strategy;

    /// <summary>
    /// The chosen silo, or null when no Active silo has <paramref name="role"/> (null role: any Active silo).
    /// <paramref name="load"/> (activations per silo) is used by <see cref="PlacementStrategy.LeastLoaded"/>.
    /// </summary>
    public SiloAddress? Choose(string? role, IEnumerable<MembershipEntry> silos, IReadOnlyDictionary<SiloAddress, int>? load = null)
    {
        var candidates = silos
            .Where(s => s.IsPlacementTarget && (role is null || s.HasRole(role)))
            .OrderBy(s => s.Silo.SiloId, StringComparer.Ordinal)
            .ThenBy(s => s.Silo.Generation)
            .Select(s => s.Silo)
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }
        if (options.Strategy == PlacementStrategy.LeastLoaded && load is not null)
        {
            var least = candidates.Min(s => load.GetValueOrDefault(s));
            candidates = [.. candidates.Where(s => load.GetValueOrDefault(s) == least)];
        }
        lock (_lock)
        {
            return candidates[_random.Next(candidates.Count)];
        }
    }
}

using System.Globalization;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// Places the grain keyed "…/{index}" on learner-role silo <c>index mod K</c> of the K such silos sorted by address, so
/// S shards (or N gradient workers) of a run land round-robin on distinct silos and every silo computes the same
/// choice. With fewer silos than indices they share; when a silo leaves, a grain that was on it is re-placed by the
/// same rule over the survivors. A key without a numeric last segment is an error naming the key.
/// </summary>
internal sealed class LearnerSpreadPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = LearnerRoleSilos.Sorted(metadata, ((LearnerSpreadPlacementStrategy)strategy).Role, target, context);
        return Task.FromResult(silos[IndexOf(target.GrainIdentity.Key.ToString()) % silos.Length]);
    }

    /// <summary>The non-negative integer after the key's last '/'.</summary>
    internal static int IndexOf(string key)
    {
        int slash = key.LastIndexOf('/');
        if (!int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new OrleansException($"grain key '{key}' does not end in '/{{index}}' (a distributed-learner grain's key is '{{run}}/shard/{{i}}' or '{{run}}/worker/{{j}}')");
        return index;
    }
}

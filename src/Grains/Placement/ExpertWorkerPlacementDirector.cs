using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;
using Precision.Orleans.Grains.Distributed;

namespace Precision.Orleans.Grains.Placement;

/// <summary>
/// Owner o of a training expert group ("{group}/train/expert/{owners}/{o}": the learner's, a gradient worker's) goes to
/// learner-role silo <c>o mod K</c> of the K such silos sorted by address, as <see cref="LearnerSpreadPlacementDirector"/>
/// spreads shards: training experts sit where the training engines are, a group's owners on distinct silos, and every
/// silo computes the same choice. A rollout group's owners go where the silo's default placement strategy puts them,
/// as before this director existed (the default director is looked up lazily: it is registered under its strategy's type).
/// </summary>
internal sealed class ExpertWorkerPlacementDirector(ISiloMetadataCache metadata, IServiceProvider services) : IPlacementDirector
{
    private IPlacementDirector? _default;
    private PlacementStrategy? _defaultStrategy;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        if (ExpertGroups.IsTraining(key))
        {
            var silos = LearnerRoleSilos.Sorted(metadata, ((ExpertWorkerPlacementStrategy)strategy).Role, target, context);
            return Task.FromResult(silos[LearnerSpreadPlacementDirector.IndexOf(key) % silos.Length]);
        }
        _defaultStrategy ??= services.GetRequiredService<PlacementStrategy>();
        _default ??= services.GetRequiredKeyedService<IPlacementDirector>(_defaultStrategy.GetType());
        return _default.OnAddActivation(_defaultStrategy, target, context);
    }
}

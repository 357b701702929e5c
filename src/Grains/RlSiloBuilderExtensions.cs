using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Precision.Orleans.Grains.Placement;

namespace Precision.Orleans.Grains;

/// <summary>Puts the RL grains on a silo: options, the silo's roles as silo metadata, the placement directors, counters and the start hook.</summary>
public static class RlSiloBuilderExtensions
{
    /// <summary>
    /// Registers the RL grains' services. Grain state goes to the storage provider named <see cref="RlStorage.Name"/>,
    /// which the host adds (Redis on a cluster, memory embedded).
    /// </summary>
    public static ISiloBuilder AddRlGrains(this ISiloBuilder builder, RlGrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        // Refuse bad options here, before the silo starts, with every failure named (OptionsValidationException).
        RlGrainOptionsValidator.Check(options);
        builder.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = string.Join(",", options.Roles) });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IValidateOptions<RlGrainOptions>, RlGrainOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RlCounters>();
        builder.Services.AddPlacementDirector<LearnerRolePlacementStrategy, LearnerRolePlacementDirector>();
        builder.Services.AddPlacementDirector<LearnerSpreadPlacementStrategy, LearnerSpreadPlacementDirector>();
        builder.Services.AddPlacementDirector<SiloNamedPlacementStrategy, SiloNamedPlacementDirector>();
        builder.Services.AddPlacementDirector<ExpertWorkerPlacementStrategy, ExpertWorkerPlacementDirector>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RlSiloStartup>();
        return builder;
    }
}

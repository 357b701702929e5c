using Precision.Orleans.Runtime.Hosting;
using Precision.Orleans.Runtime.Storage;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Grains;

/// <summary>
/// The embedded mode of distributed runs: ONE silo in this process (in-memory membership, directory and grain storage,
/// no server) with the learner role and <see cref="RlGrainOptions.RolloutSlots"/> rollout workers (at least one), running the
/// same grains as a cluster. Use <see cref="RuntimeSilo.GrainFactory"/> as the client.
/// </summary>
public static class EmbeddedRlSilo
{
    public static RuntimeSilo Build(RlGrainOptions options, string siloId = "embedded") =>
        SiloBuilder.CreateEmbedded()
            .UseSiloId(siloId)
            .AddRoles("learner", "cpu")
            .AddRlGrains(options with { RolloutSlots = Math.Max(1, options.RolloutSlots) }, new InMemoryGrainStorage())
            .Build();
}

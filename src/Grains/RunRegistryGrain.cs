using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.State;

namespace Precision.Orleans.Grains;

/// <summary>The list of run ids, durable in grain storage; statuses come from each run grain.</summary>
public sealed class RunRegistryGrain([PersistentState("run-registry", RlStorage.Name)] IPersistentState<RunRegistryRecord> runs)
    : Grain, IRunRegistryGrain
{
    public async Task Register(string runId)
    {
        if (runs.State.RunIds.Contains(runId)) return;
        runs.State.RunIds.Add(runId);
        await runs.WriteStateAsync();
    }

    public async Task<IReadOnlyList<RunStatus>> List()
    {
        var statuses = await Task.WhenAll(runs.State.RunIds.Select(id => GrainFactory.GetGrain<IRunGrain>(id).GetStatus()));
        return [.. statuses.OrderBy(s => s.SubmittedAt)];
    }
}

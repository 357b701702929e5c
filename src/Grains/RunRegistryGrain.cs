using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Storage;

namespace Precision.Orleans.Grains;

/// <summary>The list of run ids, durable in grain storage; statuses come from each run grain.</summary>
public sealed class RunRegistryGrain(IGrainStorage storage) : Grain, IRunRegistryGrain
{
    private DurableState<List<string>> _runs = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _runs = new DurableState<List<string>>(storage, "run-registry", GrainKey, () => []);
        await _runs.ReadAsync();
    }

    public async Task Register(string runId)
    {
        if (_runs.Value.Contains(runId)) return;
        await _runs.WriteAsync([.. _runs.Value, runId]);
    }

    public async Task<IReadOnlyList<RunStatus>> List()
    {
        await _runs.ReadAsync();
        var statuses = await Task.WhenAll(_runs.Value.Select(id => GrainFactory.GetGrain<IRunGrain>(id).GetStatus()));
        return [.. statuses.OrderBy(s => s.SubmittedAt)];
    }
}

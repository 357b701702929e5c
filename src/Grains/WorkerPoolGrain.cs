using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Membership;
using Precision.Orleans.Runtime.Storage;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Grains;

/// <summary>
/// The rollout workers of the cluster. Registrations are durable (the pool may re-activate on another silo); a
/// worker whose silo the membership table declares Dead (or that no longer appears in it) is dropped before every
/// lease, which is what makes rollout silos elastic. Leases go to the least busy live worker.
/// </summary>
public sealed class WorkerPoolGrain(IGrainStorage storage, RuntimeSilo silo, TimeProvider time) : Grain, IWorkerPoolGrain
{
    private sealed record Registration(string WorkerKey, string SiloId, DateTimeOffset RegisteredAt);

    private DurableState<List<Registration>> _registered = null!;
    private readonly Dictionary<string, int> _inFlight = [];
    private readonly Dictionary<string, long> _completed = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _registered = new DurableState<List<Registration>>(storage, "worker-pool", GrainKey, () => []);
        await _registered.ReadAsync();
    }

    public async Task Register(string workerKey, string siloId)
    {
        if (_registered.Value.Any(r => r.WorkerKey == workerKey)) return;
        await _registered.WriteAsync([.. _registered.Value, new Registration(workerKey, siloId, time.GetUtcNow())]);
    }

    public async Task Unregister(string workerKey)
    {
        if (!_registered.Value.Any(r => r.WorkerKey == workerKey)) return;
        await _registered.WriteAsync([.. _registered.Value.Where(r => r.WorkerKey != workerKey)]);
        _inFlight.Remove(workerKey);
    }

    public async Task<string> Acquire(IReadOnlyList<string> exclude)
    {
        // Never waits: the pool is turn-based, so a waiting lease would hold back the registrations it waits for.
        var live = await LiveWorkers();
        var fresh = live.Where(w => !exclude.Contains(w.WorkerKey)).ToList();
        var pick = Least(fresh.Count > 0 ? fresh : live);
        if (pick is null) return "";
        _inFlight[pick] = _inFlight.GetValueOrDefault(pick) + 1;
        return pick;
    }

    public Task Release(string workerKey, bool completed)
    {
        if (_inFlight.TryGetValue(workerKey, out int n)) _inFlight[workerKey] = Math.Max(0, n - 1);
        if (completed) _completed[workerKey] = _completed.GetValueOrDefault(workerKey) + 1;
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<WorkerInfo>> List() =>
        [.. (await LiveWorkers()).Select(r => new WorkerInfo(r.WorkerKey, r.SiloId, _inFlight.GetValueOrDefault(r.WorkerKey),
            _completed.GetValueOrDefault(r.WorkerKey), r.RegisteredAt))];

    private string? Least(List<Registration> candidates) => candidates
        .OrderBy(r => _inFlight.GetValueOrDefault(r.WorkerKey))
        .ThenBy(r => _completed.GetValueOrDefault(r.WorkerKey))
        .ThenBy(r => r.WorkerKey, StringComparer.Ordinal)
        .FirstOrDefault()?.WorkerKey;

    /// <summary>Registered workers whose silo is in the membership table and not Dead; the dead ones are dropped for good.</summary>
    private async Task<List<Registration>> LiveWorkers()
    {
        await silo.View.RefreshAsync();
        bool Alive(Registration r) => silo.View.Entries.Any(e => e.Silo.SiloId == r.SiloId && e.Status is SiloStatus.Active or SiloStatus.Joining);
        var dead = _registered.Value.Where(r => !Alive(r)).ToList();
        if (dead.Count > 0)
        {
            await _registered.WriteAsync([.. _registered.Value.Where(Alive)]);
            foreach (var r in dead) _inFlight.Remove(r.WorkerKey);
        }
        return _registered.Value;
    }
}

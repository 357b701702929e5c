using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.State;

namespace Precision.Orleans.Grains;

/// <summary>
/// The rollout workers of the cluster. Registrations are durable (the pool may re-activate on another silo); a
/// worker whose silo the membership no longer lists as Active is dropped before every lease, which is what makes
/// rollout silos elastic. Leases go to the least busy live worker.
/// </summary>
public sealed class WorkerPoolGrain(
    [PersistentState("worker-pool", RlStorage.Name)] IPersistentState<WorkerPoolRecord> pool,
    IClusterMembershipService membership,
    TimeProvider time) : Grain, IWorkerPoolGrain
{
    private readonly Dictionary<string, int> _inFlight = [];
    private readonly Dictionary<string, long> _completed = [];

    public async Task Register(string workerKey, string siloName)
    {
        if (pool.State.Workers.Any(r => r.WorkerKey == workerKey && r.SiloName == siloName)) return;
        pool.State.Workers.RemoveAll(r => r.WorkerKey == workerKey);
        pool.State.Workers.Add(new WorkerRegistration(workerKey, siloName, time.GetUtcNow()));
        await pool.WriteStateAsync();
    }

    public async Task Unregister(string workerKey)
    {
        if (pool.State.Workers.RemoveAll(r => r.WorkerKey == workerKey) == 0) return;
        _inFlight.Remove(workerKey);
        await pool.WriteStateAsync();
    }

    public async Task<string> Acquire(string[] exclude)
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
        [.. (await LiveWorkers()).Select(r => new WorkerInfo(r.WorkerKey, r.SiloName, _inFlight.GetValueOrDefault(r.WorkerKey),
            _completed.GetValueOrDefault(r.WorkerKey), r.RegisteredAt))];

    private string? Least(List<WorkerRegistration> candidates) => candidates
        .OrderBy(r => _inFlight.GetValueOrDefault(r.WorkerKey))
        .ThenBy(r => _completed.GetValueOrDefault(r.WorkerKey))
        .ThenBy(r => r.WorkerKey, StringComparer.Ordinal)
        .FirstOrDefault()?.WorkerKey;

    /// <summary>Registered workers whose silo is an Active member; the others are dropped for good (a restarted silo re-registers).</summary>
    private async Task<List<WorkerRegistration>> LiveWorkers()
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var dead = pool.State.Workers.Where(r => !active.Contains(r.SiloName)).ToList();
        if (dead.Count > 0)
        {
            pool.State.Workers.RemoveAll(r => !active.Contains(r.SiloName));
            foreach (var r in dead) _inFlight.Remove(r.WorkerKey);
            await pool.WriteStateAsync();
        }
        return pool.State.Workers;
    }
}

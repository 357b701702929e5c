namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// The cluster's rollout workers (key <see cref="Key"/>): workers register when their silo is active and are dropped
/// when the membership no longer lists their silo as active; prompt groups lease the least busy worker.
/// </summary>
public interface IWorkerPoolGrain : IGrainWithStringKey
{
    public const string Key = "pool";

    Task Register(string workerKey, string siloName);

    Task Unregister(string workerKey);

    /// <summary>
    /// Leases the least busy live worker not in <paramref name="exclude"/> (ties: fewest completed, then key), or an
    /// excluded one when no other is live; "" when no worker is live (the caller waits and asks again — the pool never
    /// waits inside a call, so registrations are not held back).
    /// </summary>
    Task<string> Acquire(string[] exclude);

    /// <summary>Ends a lease; <paramref name="completed"/> counts it as done work.</summary>
    Task Release(string workerKey, bool completed);

    Task<IReadOnlyList<WorkerInfo>> List();
}

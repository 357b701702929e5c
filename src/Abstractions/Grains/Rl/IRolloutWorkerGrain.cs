namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A rollout slot (key = "{siloName}/{slot}"), placed on the silo named in its key: holds a rollout engine per run,
/// loads newer weights from its silo's weight cache when behind the request's minimum version, and generates.
/// </summary>
public interface IRolloutWorkerGrain : IGrainWithStringKey
{
    /// <summary>Deterministic in the request and the weight version used (both returned), so retrying is safe.</summary>
    Task<RolloutBatch> Generate(RolloutRequest request);

    /// <summary>Activates the worker and registers it with the pool (called by its silo once it is active).</summary>
    Task Join();

    /// <summary>The learner announces a new weight version: the worker's silo cache fetches it ahead of the next request.</summary>
    [OneWay]
    Task Announce(string runId, long version);
}

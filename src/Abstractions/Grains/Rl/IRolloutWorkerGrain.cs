namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A rollout slot (key = "{siloId}/{slot}"), placed on the silo named in its key: holds a rollout engine per run,
/// pulls newer weights from the run's learner when behind the request's minimum version, and generates.
/// </summary>
public interface IRolloutWorkerGrain : IGrainWithStringKey
{
    /// <summary>Deterministic in the request and the weight version used (both returned), so retrying is safe.</summary>
    [Idempotent]
    Task<RolloutBatch> Generate(RolloutRequest request);

    /// <summary>Activates the worker and registers it with the pool (called by its silo's start hook).</summary>
    [Idempotent]
    Task Join();
}

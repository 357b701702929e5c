namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// One per silo (a stateless worker with one activation): fetches each weight version of a run from its learner once,
/// in chunks, checks its hash, and hands it to the silo's rollout workers.
/// </summary>
public interface IWeightCacheGrain : IGrainWithStringKey
{
    /// <summary>Weights of <paramref name="runId"/> with version in [<paramref name="minVersion"/>, <paramref name="maxVersion"/>]
    /// (the learner's newest ≥ minVersion when the cached one is outside the window).</summary>
    Task<WeightPayload> Get(string runId, long minVersion, long maxVersion);
}

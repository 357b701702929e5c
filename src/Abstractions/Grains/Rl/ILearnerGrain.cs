using Orleans.Serialization.Buffers;

namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// The learner of a run (key = run id; placed on silos with the "learner" role). It owns the run's policy-iteration
/// loop: per step it hands the step's prompt groups to <see cref="IPromptGroupGrain"/>s, trains on the scored groups
/// (each exactly once), publishes the weight version, logs and checkpoints. After its silo dies, the next call
/// re-activates it elsewhere and it resumes from the last checkpoint.
/// </summary>
public interface ILearnerGrain : IGrainWithStringKey
{
    /// <summary>Starts (or, after a failover, resumes) the run's loop; returns at once. Repeating it is harmless.</summary>
    Task Start();

    /// <summary>
    /// The newest published weights' manifest if its version is ≥ <paramref name="minVersion"/>; otherwise waits
    /// (bounded) for that version. Interleaves with the loop's turns.
    /// </summary>
    [AlwaysInterleave]
    Task<WeightManifest> GetWeightManifest(long minVersion);

    /// <summary>
    /// Chunk <paramref name="index"/> of version <paramref name="version"/>'s payload (fails if that version is no longer
    /// the newest), in Orleans' pooled buffer: the sender's goes back to its pool once serialized, and the caller must
    /// dispose the one it gets after copying it out. Fresh 1 MiB arrays per chunk at both ends cost more than the
    /// network (see README "Benchmarks", weight-probe).
    /// </summary>
    [AlwaysInterleave, ReadOnly]
    Task<PooledBuffer> GetWeightChunk(long version, int index);

    /// <summary>Newest published version without the payload.</summary>
    [AlwaysInterleave, ReadOnly]
    Task<WeightVersion> GetVersion();

    /// <summary>Stops the loop after the current step.</summary>
    [OneWay, AlwaysInterleave]
    Task Stop();
}

namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// The learner of a run (key = run id; placed on silos with the "learner" role). It drives the run: per step it
/// hands the step's prompt groups to <see cref="IPromptGroupGrain"/>s, trains on the scored groups (each exactly
/// once), checkpoints every <c>schedule.checkpoint_every</c> steps, and publishes monotonic content-hashed weight
/// versions. After its silo dies, the next call re-activates it elsewhere and it resumes from the last checkpoint.
/// </summary>
public interface ILearnerGrain : IGrainWithStringKey
{
    /// <summary>Starts (or, after a failover, resumes) the run's loop in the background; returns at once. Idempotent.</summary>
    [Idempotent]
    Task Start();

    /// <summary>
    /// The newest published weights if their version is ≥ <paramref name="minVersion"/>; otherwise waits (bounded) for
    /// that version. FP32 master payload (see <see cref="WeightSnapshot"/>).
    /// </summary>
    [Idempotent]
    Task<WeightSnapshot> GetWeights(long minVersion);

    /// <summary>Newest published version without the payload.</summary>
    [Idempotent]
    Task<WeightVersion> GetVersion();

    /// <summary>Stops the loop after the current step.</summary>
    Task Stop();
}

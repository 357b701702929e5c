namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A distributed RL run (key = run id): its spec, status and metrics history. Durable: state lives in the cluster's
/// grain storage, so it survives the silo that hosts it.
/// </summary>
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates and stores the YAML run spec, registers the run and starts its learner. A bad spec throws an error
    /// naming the key and the problem (nothing is stored). Submitting the same spec again is a no-op returning the
    /// status; a different spec for an existing run id is refused.
    /// </summary>
    Task<RunStatus> Submit(string specYaml);

    [Idempotent]
    Task<RunStatus> GetStatus();

    /// <summary>Rows of trained steps with Step ≥ <paramref name="fromStep"/>, ascending.</summary>
    [Idempotent]
    Task<IReadOnlyList<IterationRecord>> GetMetrics(int fromStep);

    /// <summary>The exactly-once ledger: one row per prompt group trained on, in training order.</summary>
    [Idempotent]
    Task<IReadOnlyList<TrainedGroup>> GetTrainedGroups();

    /// <summary>Learner restarts after the first start (failovers): the checkpoint each resumed from and the steps it lost.</summary>
    [Idempotent]
    Task<IReadOnlyList<LearnerResume>> GetResumes();

    /// <summary>The stored YAML spec ("" before submit).</summary>
    [Idempotent]
    Task<string> GetSpec();

    /// <summary>Stops the run after the current step (its state becomes Cancelled).</summary>
    Task Cancel();
}

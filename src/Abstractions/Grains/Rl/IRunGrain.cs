namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// A distributed RL run (key = run id): its spec, status, metrics history and exactly-once ledger, durable in the
/// cluster's grain storage (so it survives the silo that hosts it). Its learner reports every step here.
/// </summary>
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates and stores the YAML run spec, registers the run and starts its learner. A bad spec throws an error
    /// naming the key and the problem (nothing is stored). Submitting the same spec again is a no-op returning the
    /// status; a different spec for an existing run id is refused.
    /// </summary>
    Task<RunStatus> Submit(string specYaml);

    [ReadOnly]
    Task<RunStatus> GetStatus();

    /// <summary>Rows of trained steps with Step ≥ <paramref name="fromStep"/>, ascending.</summary>
    [ReadOnly]
    Task<IReadOnlyList<IterationRecord>> GetMetrics(int fromStep);

    /// <summary>The exactly-once ledger: one row per prompt group trained on, in training order.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TrainedGroup>> GetTrainedGroups();

    /// <summary>Learner restarts after the first start (failovers): the checkpoint each resumed from and the steps it lost.</summary>
    [ReadOnly]
    Task<IReadOnlyList<LearnerResume>> GetResumes();

    /// <summary>The stored YAML spec ("" before submit).</summary>
    [ReadOnly]
    Task<string> GetSpec();

    /// <summary>Stops the run after the current step (its state becomes Cancelled).</summary>
    Task Cancel();

    /// <summary>
    /// A learner activation starts (or resumes from the checkpoint of <paramref name="checkpointStep"/>): the history is
    /// cut back to it and the run is Running. Returns the attempt number this learner writes under; an older
    /// attempt's writes are refused from now on.
    /// </summary>
    Task<int> BeginAttempt(int checkpointStep, long weightVersion, string weightHash);

    /// <summary>A trained step's row and ledger entries (a step already recorded is left as it is). False: a newer attempt owns the run.</summary>
    Task<bool> RecordStep(int attempt, IterationRecord record, TrainedGroup[] trained);

    /// <summary>The step-N checkpoint is on disk.</summary>
    Task RecordCheckpoint(int attempt, int step);

    /// <summary>The learner ended the run (Completed, Cancelled or Failed with <paramref name="error"/>).</summary>
    Task Finish(int attempt, RunState state, string? error);

    /// <summary>Whether Cancel was called.</summary>
    [ReadOnly]
    Task<bool> IsCancelRequested();
}

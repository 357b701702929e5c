using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Grains;

/// <summary>
/// The learner's durable record of a run (written by the learner only, after every step): state, the metrics rows
/// and the exactly-once ledger of trained groups. After a failover the learner truncates both to the checkpoint it
/// resumed from — the steps after it were undone and are trained again.
/// </summary>
internal sealed record ProgressDocument
{
    public const string StateName = "run-progress";

    public RunState State { get; init; } = RunState.Submitted;
    public int Step { get; init; }
    public int CheckpointStep { get; init; }
    public long WeightVersion { get; init; }
    public string WeightHash { get; init; } = "";
    public string? Error { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public List<IterationRecord> Records { get; init; } = [];
    public List<TrainedGroup> Trained { get; init; } = [];
    public List<LearnerResume> Resumes { get; init; } = [];
}

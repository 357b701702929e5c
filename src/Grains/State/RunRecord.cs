using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Grains.State;

/// <summary>
/// A run's durable record (the run grain's state): the submitted spec, the cancel flag, and what its learner
/// reported — state, metrics rows, the exactly-once ledger of trained groups, failovers. After a failover the
/// history is cut back to the checkpoint the new learner attempt resumed from: the steps after it are trained again.
/// </summary>
[GenerateSerializer]
public sealed class RunRecord
{
    [Id(0)] public string SpecYaml { get; set; } = "";
    [Id(1)] public DateTimeOffset SubmittedAt { get; set; }
    [Id(2)] public bool CancelRequested { get; set; }
    [Id(3)] public RunState State { get; set; } = RunState.Submitted;
    [Id(4)] public int Step { get; set; }
    [Id(5)] public int CheckpointStep { get; set; }
    [Id(6)] public long WeightVersion { get; set; }
    [Id(7)] public string WeightHash { get; set; } = "";
    [Id(8)] public string? Error { get; set; }
    [Id(9)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(10)] public List<IterationRecord> Records { get; set; } = [];
    [Id(11)] public List<TrainedGroup> Trained { get; set; } = [];
    [Id(12)] public List<LearnerResume> Resumes { get; set; } = [];
    /// <summary>The learner attempt allowed to write (each activation of the learner begins a new one).</summary>
    [Id(13)] public int Attempt { get; set; }
}

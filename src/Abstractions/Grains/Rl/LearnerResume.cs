namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>One start of a run's learner after the first: where it resumed and how much trained work it discarded.</summary>
/// <param name="CheckpointStep">Step of the checkpoint it resumed from (0: none, started over).</param>
/// <param name="LastTrainedStep">Last step trained before it (what was lost = LastTrainedStep − CheckpointStep).</param>
/// <param name="At">When.</param>
[GenerateSerializer, Immutable]
public sealed record LearnerResume(
    [property: Id(0)] int CheckpointStep,
    [property: Id(1)] int LastTrainedStep,
    [property: Id(2)] DateTimeOffset At);

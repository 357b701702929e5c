namespace Precision.Orleans.RL.Training;

/// <summary>How <see cref="PolicyIterationLoop.RunAsync"/> ended.</summary>
/// <param name="Summary">Steps done, the last row, the metrics file.</param>
/// <param name="Stopped">A stop request (or an abandoned step) ended it before the schedule did.</param>
/// <param name="Abandoned">A <see cref="PolicyIterationLoop.StepLogged"/> hook refused the step (no final checkpoint was written).</param>
public sealed record LoopResult(RunSummary Summary, bool Stopped, bool Abandoned);

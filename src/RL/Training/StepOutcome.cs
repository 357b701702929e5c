namespace Precision.Orleans.RL.Training;

/// <summary>One trained step: its metrics row and the collected groups it trained on.</summary>
public sealed record StepOutcome(IterationMetrics Metrics, CollectedStep Collected);

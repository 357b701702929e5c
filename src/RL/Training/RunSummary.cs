namespace Precision.Orleans.RL.Training;

/// <summary>How a run ended.</summary>
/// <param name="Iterations">Policy iterations completed (including those before a resume).</param>
/// <param name="ResumedFromStep">The checkpoint step this invocation resumed from, or null for a fresh start.</param>
/// <param name="Last">The metrics of the last iteration, or null if none ran.</param>
/// <param name="BestAccuracy">Highest training accuracy of any iteration.</param>
/// <param name="FirstStepAtTarget">First step whose training accuracy reached 95%, or null.</param>
/// <param name="MetricsPath">Path of metrics.jsonl.</param>
/// <param name="Footprint">The optimizer state the run held, against full fine-tuning of the same model.</param>
public sealed record RunSummary(
    int Iterations,
    int? ResumedFromStep,
    IterationMetrics? Last,
    double BestAccuracy,
    int? FirstStepAtTarget,
    string MetricsPath,
    OptimizerFootprint? Footprint = null);

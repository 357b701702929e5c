namespace Precision.Orleans.Engine.Training;

/// <summary>What one optimizer step did.</summary>
/// <param name="Applied">False when the step was skipped because a gradient was inf/NaN.</param>
/// <param name="GradNorm">Global L2 norm of the unscaled gradients before clipping (inf/NaN when skipped).</param>
/// <param name="LossScale">The scale that was used for this step's backward.</param>
/// <param name="NextLossScale">The scale after the update (halved on overflow, doubled after N clean steps).</param>
public readonly record struct OptimizerStepResult(bool Applied, float GradNorm, float LossScale, float NextLossScale);

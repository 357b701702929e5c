namespace Precision.Orleans.RL.Training;

/// <summary>A distributed policy step's decision (applied or skipped, the gradient norm, the loss scale used and the next) and every micro-batch's pass, in micro-batch order.</summary>
public sealed record DistributedPolicyStepResult(bool Applied, float GradNorm, float LossScale, float NextLossScale, PolicyMicroBatchPass[] Passes);

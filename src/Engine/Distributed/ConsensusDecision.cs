using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Engine.Distributed;

/// <summary>
/// The learner's loss-scale consensus for one optimizer step, sent to every shard: step (all of them, with one clip
/// coefficient) or skip (all of them). <paramref name="OverflowHolders"/> names who saw inf/NaN.
/// </summary>
/// <param name="GradNorm">Global L2 norm of the unscaled summed gradients (NaN when skipped).</param>
/// <param name="ClipCoefficient">Factor every shard multiplies its unscaled gradients by; null = no clipping.</param>
/// <param name="LearningRate">The AdamW learning rate of this step.</param>
/// <param name="Next">The loss scaler's state after this step.</param>
public sealed record ConsensusDecision(long Step, bool Apply, float LossScale, float GradNorm, float? ClipCoefficient, float LearningRate,
    LossScaleState Next, IReadOnlyList<string> OverflowHolders)
{
    public float NextLossScale => Next.Scale;
}

using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains;

/// <summary>The run grain's row of a trained step: the metrics row's watched fields plus where the rollouts came from.</summary>
internal static class IterationRecords
{
    public static IterationRecord From(StepOutcome outcome, string weightHash, DateTimeOffset completedAt)
    {
        var m = outcome.Metrics;
        var groups = outcome.Collected.Provenance;
        return new IterationRecord
        {
            Step = m.Step,
            WeightVersion = m.WeightVersion,
            WeightHash = weightHash,
            Accuracy = m.Accuracy,
            RewardMean = m.RewardMean,
            Loss = m.Loss,
            K1 = m.K1,
            K3 = m.K3,
            MeanAbsProbDiff = m.MeanAbsProbDiff,
            MeanAbsSeqLogRatio = m.MeanAbsSeqLogRatio,
            LossScale = m.LossScale,
            SkippedSteps = m.SkippedSteps,
            GradNormMean = m.GradNormMean,
            Rollouts = m.Rollouts,
            ResponseTokens = m.ResponseTokens,
            ResponseLengthMean = m.ResponseLengthMean,
            TokensPerSecond = m.RolloutSeconds > 0 ? m.ResponseTokens / m.RolloutSeconds : 0,
            RolloutSeconds = m.RolloutSeconds,
            TrainSeconds = m.TrainSeconds + m.OldLogProbSeconds,
            IterationSeconds = m.IterationSeconds,
            MinRolloutWeightVersion = groups.Count == 0 ? m.WeightVersion - 1 : groups.Min(g => g.WeightVersion),
            Workers = groups.Select(g => g.WorkerKey).Distinct().Count(),
            Redispatches = groups.Sum(g => g.Attempts - 1),
            CompletedAt = completedAt,
            RoutingMismatch = m.RoutingMismatch,
        };
    }
}

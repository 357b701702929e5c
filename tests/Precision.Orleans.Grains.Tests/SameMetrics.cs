using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>Asserts a cluster run's rows equal the embedded trainer's, bit for bit, on every deterministic field.</summary>
internal static class SameMetrics
{
    /// <param name="embeddedWeights">The embedded run's final weight hash (null: compare the per-step weight hashes' versions only, e.g. LoRA).</param>
    public static void Assert(IReadOnlyList<IterationMetrics> embedded, IReadOnlyList<IterationRecord> cluster, string? embeddedWeights)
    {
        Xunit.Assert.Equal(embedded.Count, cluster.Count);
        // A run whose rewards are all equal trains nothing: equal weights would then prove nothing about the cluster.
        Xunit.Assert.Contains(embedded, r => r.GradNormMax > 0);
        for (int i = 0; i < embedded.Count; i++)
        {
            var (e, c) = (embedded[i], cluster[i]);
            string at = $"step {e.Step}";
            Xunit.Assert.True(e.Step == c.Step, at);
            Xunit.Assert.True(e.WeightVersion == c.WeightVersion, $"{at}: weight version {e.WeightVersion} vs {c.WeightVersion}");
            Xunit.Assert.True(e.Accuracy == c.Accuracy, $"{at}: accuracy {e.Accuracy} vs {c.Accuracy}");
            Xunit.Assert.True(e.Loss == c.Loss, $"{at}: loss {e.Loss:R} vs {c.Loss:R}");
            Xunit.Assert.True(e.K1 == c.K1 && e.K3 == c.K3, $"{at}: k1/k3 {e.K1:R}/{e.K3:R} vs {c.K1:R}/{c.K3:R}");
            Xunit.Assert.True(e.MeanAbsProbDiff == c.MeanAbsProbDiff, $"{at}: |π−μ| {e.MeanAbsProbDiff:R} vs {c.MeanAbsProbDiff:R}");
            Xunit.Assert.True(e.MeanAbsSeqLogRatio == c.MeanAbsSeqLogRatio, $"{at}: seq log-ratio");
            Xunit.Assert.True(e.LossScale == c.LossScale && e.SkippedSteps == c.SkippedSteps, $"{at}: loss scale / skipped");
            Xunit.Assert.True(e.GradNormMean == c.GradNormMean, $"{at}: grad norm {e.GradNormMean:R} vs {c.GradNormMean:R}");
            Xunit.Assert.True(e.RoutingMismatch == c.RoutingMismatch, $"{at}: routing mismatch {e.RoutingMismatch:R} vs {c.RoutingMismatch:R}");
            Xunit.Assert.True(e.ResponseTokens == c.ResponseTokens, $"{at}: response tokens {e.ResponseTokens} vs {c.ResponseTokens}");
        }
        if (embeddedWeights is not null) Xunit.Assert.Equal(embeddedWeights, cluster[^1].WeightHash);
    }

    /// <summary>SHA-256 of the final weights of an embedded run (its newest checkpoint's master weights).</summary>
    public static string FinalWeightsHash(string runDirectory)
    {
        var newest = new RL.Checkpoints.CheckpointStore(runDirectory).List()[^1].Path;
        return WeightSync.WeightHash(Engine.Checkpoints.ModelCheckpoint.Load(newest).Weights);
    }
}

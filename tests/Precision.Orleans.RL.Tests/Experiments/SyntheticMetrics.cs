using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Tests.Experiments;

/// <summary>Realistic metrics rows (what the trainer writes), for report and resume tests without running the trainer.</summary>
internal static class SyntheticMetrics
{
    public static IterationMetrics Row(int step, double accuracy, string algorithm = "pg-seq-is", string train = "fp16", string rollout = "fp16",
        double iterationSeconds = 2.0, double mismatch = 0.01, long responseTokens = 64 * 40) => new()
    {
        Step = step,
        OptimizerSteps = 4L * step,
        WeightVersion = step,
        Algorithm = algorithm,
        TrainDType = train,
        RolloutDType = rollout,
        Accuracy = accuracy,
        RewardMean = accuracy,
        Prompts = 8,
        Rollouts = 64,
        ResponseLengthMean = 40 + step,
        ResponseLengthMax = 90,
        Loss = -0.01 * step,
        GradNormMean = 0.5 + 0.01 * step,
        GradNormMax = 0.9,
        LossScale = 65536,
        MismatchTokens = 2000,
        K1 = mismatch / 2,
        K3 = mismatch * mismatch,
        MeanAbsProbDiff = mismatch / 10,
        MaxAbsProbDiff = mismatch * 10,
        MeanAbsSeqLogRatio = mismatch * 3,
        SeqLogRatioByLength = new Dictionary<string, double> { ["≤64"] = mismatch * 2, ["≤128"] = mismatch * 4 },
        IsWeightMean = 1,
        RolloutSeconds = iterationSeconds * 0.6,
        OldLogProbSeconds = algorithm.StartsWith("grpo", StringComparison.Ordinal) ? iterationSeconds * 0.1 : 0,
        TrainSeconds = iterationSeconds * 0.25,
        SyncSeconds = iterationSeconds * 0.05,
        IterationSeconds = iterationSeconds,
        ResponseTokens = responseTokens,
    };

    public static void Write(string runDirectory, IEnumerable<IterationMetrics> rows, string? trailingPartialLine = null)
    {
        Directory.CreateDirectory(runDirectory);
        var lines = rows.Select(MetricsFile.ToJsonLine).ToList();
        string text = string.Join("\n", lines) + "\n" + (trailingPartialLine ?? "");
        File.WriteAllText(Path.Combine(runDirectory, MetricsFile.FileName), text);
    }
}

namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// One trained step of a distributed run, as <c>precision watch</c> / <c>metrics --csv</c> show it: the fields of the
/// RL trainer's IterationMetrics that people watch, plus where the rollouts came from.
/// </summary>
public sealed record IterationRecord
{
    /// <summary>Policy iteration, 1-based.</summary>
    public int Step { get; init; }
    /// <summary>Weight version published after this step's optimizer steps.</summary>
    public long WeightVersion { get; init; }
    /// <summary>Hex SHA-256 of the FP32 master weights at <see cref="WeightVersion"/>.</summary>
    public string WeightHash { get; init; } = "";
    /// <summary>Mean 0/1 reward of the step's rollouts.</summary>
    public double Accuracy { get; init; }
    public double RewardMean { get; init; }
    public double Loss { get; init; }
    /// <summary>Training–inference mismatch (π = training engine, μ = rollout engine): k1 = E[log μ/π]… see MismatchAnalysis.</summary>
    public double K1 { get; init; }
    public double K3 { get; init; }
    /// <summary>Mean |π − μ| over response tokens.</summary>
    public double MeanAbsProbDiff { get; init; }
    /// <summary>Mean |log π(y)/μ(y)| over sequences.</summary>
    public double MeanAbsSeqLogRatio { get; init; }
    public double LossScale { get; init; }
    /// <summary>Optimizer steps skipped (non-finite gradients) in this step.</summary>
    public int SkippedSteps { get; init; }
    public double GradNormMean { get; init; }
    public int Rollouts { get; init; }
    public long ResponseTokens { get; init; }
    public double ResponseLengthMean { get; init; }
    /// <summary>Response tokens / rollout wall seconds of this step (all workers together).</summary>
    public double TokensPerSecond { get; init; }
    public double RolloutSeconds { get; init; }
    public double TrainSeconds { get; init; }
    public double IterationSeconds { get; init; }
    /// <summary>Oldest weight version any of the step's rollouts was sampled with (lag = WeightVersion − 1 − this).</summary>
    public long MinRolloutWeightVersion { get; init; }
    /// <summary>Distinct rollout workers that produced the step's groups.</summary>
    public int Workers { get; init; }
    /// <summary>Group dispatches that failed (worker died or refused) and were re-sent to another worker.</summary>
    public int Redispatches { get; init; }
    public DateTimeOffset CompletedAt { get; init; }
}

namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>
/// One trained step of a distributed run, as <c>precision watch</c> / <c>metrics --csv</c> show it: the fields of the
/// RL trainer's IterationMetrics that people watch, plus where the rollouts came from.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record IterationRecord
{
    /// <summary>Policy iteration, 1-based.</summary>
    [Id(0)] public int Step { get; init; }
    /// <summary>Weight version published after this step's optimizer steps.</summary>
    [Id(1)] public long WeightVersion { get; init; }
    /// <summary>Hex SHA-256 of the FP32 master weights at <see cref="WeightVersion"/>.</summary>
    [Id(2)] public string WeightHash { get; init; } = "";
    /// <summary>Mean 0/1 reward of the step's rollouts.</summary>
    [Id(3)] public double Accuracy { get; init; }
    [Id(4)] public double RewardMean { get; init; }
    [Id(5)] public double Loss { get; init; }
    /// <summary>Training–inference mismatch (π = training engine, μ = rollout engine): k1 = E[log μ/π]… see MismatchAnalysis.</summary>
    [Id(6)] public double K1 { get; init; }
    [Id(7)] public double K3 { get; init; }
    /// <summary>Mean |π − μ| over response tokens.</summary>
    [Id(8)] public double MeanAbsProbDiff { get; init; }
    /// <summary>Mean |log π(y)/μ(y)| over sequences.</summary>
    [Id(9)] public double MeanAbsSeqLogRatio { get; init; }
    [Id(10)] public double LossScale { get; init; }
    /// <summary>Optimizer steps skipped (non-finite gradients) in this step.</summary>
    [Id(11)] public int SkippedSteps { get; init; }
    [Id(12)] public double GradNormMean { get; init; }
    [Id(13)] public int Rollouts { get; init; }
    [Id(14)] public long ResponseTokens { get; init; }
    [Id(15)] public double ResponseLengthMean { get; init; }
    /// <summary>Response tokens / rollout wall seconds of this step (all workers together).</summary>
    [Id(16)] public double TokensPerSecond { get; init; }
    [Id(17)] public double RolloutSeconds { get; init; }
    [Id(18)] public double TrainSeconds { get; init; }
    [Id(19)] public double IterationSeconds { get; init; }
    /// <summary>Oldest weight version any of the step's rollouts was sampled with (lag = WeightVersion − 1 − this).</summary>
    [Id(20)] public long MinRolloutWeightVersion { get; init; }
    /// <summary>Distinct rollout workers that produced the step's groups.</summary>
    [Id(21)] public int Workers { get; init; }
    /// <summary>Group dispatches that failed (worker died or refused) and were re-sent to another worker.</summary>
    [Id(22)] public int Redispatches { get; init; }
    [Id(23)] public DateTimeOffset CompletedAt { get; init; }
    /// <summary>MoE policies: fraction of (token, layer) routing decisions where the rollouts' experts differ from the training engine's (null: dense).</summary>
    [Id(24)] public double? RoutingMismatch { get; init; }
}

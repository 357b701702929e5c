namespace Precision.Orleans.RL.Training;

/// <summary>
/// One row of a run's metrics (metrics.jsonl / metrics.csv): everything measured in one policy iteration.
/// JSON names are the snake_case of the property names.
/// </summary>
public sealed record IterationMetrics
{
    // ---- position
    /// <summary>Policy iteration, 1-based (the x axis of the plots).</summary>
    public int Step { get; init; }
    /// <summary>Optimizer steps attempted so far (applied + skipped), cumulative.</summary>
    public long OptimizerSteps { get; init; }
    public long WeightVersion { get; init; }
    public string Algorithm { get; init; } = "";
    public string TrainDType { get; init; } = "";
    public string RolloutDType { get; init; } = "";

    // ---- rollouts and rewards
    /// <summary>Mean reward of this iteration's rollouts = training accuracy (rewards are 0/1).</summary>
    public double Accuracy { get; init; }
    public double RewardMean { get; init; }
    public int Prompts { get; init; }
    public int Rollouts { get; init; }
    public double ResponseLengthMean { get; init; }
    public int ResponseLengthMax { get; init; }
    /// <summary>Fraction of responses cut by the max-new-tokens limit.</summary>
    public double TruncatedFraction { get; init; }

    // ---- optimisation
    public double Loss { get; init; }
    public double GradNormMean { get; init; }
    public double GradNormMax { get; init; }
    public double LossScale { get; init; }
    public int SkippedSteps { get; init; }
    public long SkippedStepsTotal { get; init; }
    public double LearningRate { get; init; }

    // ---- training–inference mismatch (π = training engine at θ', μ = rollout engine), design.md
    /// <summary>How many response tokens the mismatch metrics cover.</summary>
    public int MismatchTokens { get; init; }
    public double K1 { get; init; }
    public double K3 { get; init; }
    public double MeanAbsProbDiff { get; init; }
    public double MaxAbsProbDiff { get; init; }
    public double MinProbDiff { get; init; }
    public double MaxProbDiff { get; init; }
    public double MeanSeqLogRatio { get; init; }
    public double MeanAbsSeqLogRatio { get; init; }
    public double MaxAbsSeqLogRatio { get; init; }
    /// <summary>Mean |log π(y)/μ(y)| per response-length bucket, keyed by the bucket's upper edge ("≤64").</summary>
    public IReadOnlyDictionary<string, double> SeqLogRatioByLength { get; init; } = new Dictionary<string, double>();
    /// <summary>
    /// MoE policies: fraction of (response token, MoE layer) routing decisions whose top-k expert set differs between the
    /// rollout engine and the training engine's π pass; null for dense models.
    /// </summary>
    public double? RoutingMismatch { get; init; }
    /// <summary>MoE policies: fraction of response tokens routed differently in at least one MoE layer; null for dense models.</summary>
    public double? RoutingMismatchAnyLayer { get; init; }
    /// <summary>MoE policies: routing mismatch per MoE layer, keyed "layer0", "layer1", … (index among the sparse layers).</summary>
    public IReadOnlyDictionary<string, double> RoutingMismatchByLayer { get; init; } = new Dictionary<string, double>();

    // ---- importance weights and clipping (of the algorithm, averaged over the iteration's mini-batches)
    public double IsWeightMean { get; init; }
    public double IsWeightMax { get; init; }
    public double IsEffectiveSampleSize { get; init; }
    public double IsTruncatedFraction { get; init; }
    public double IsMaskedFraction { get; init; }
    public double ClippedFraction { get; init; }

    // ---- timings, seconds
    public double RolloutSeconds { get; init; }
    public double OldLogProbSeconds { get; init; }
    public double TrainSeconds { get; init; }
    public double SyncSeconds { get; init; }
    public double IterationSeconds { get; init; }
    public long ResponseTokens { get; init; }
}

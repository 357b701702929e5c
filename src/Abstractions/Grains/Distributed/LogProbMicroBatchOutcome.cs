using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// π_θ' of one old-log-prob micro-batch: per row the log-probs of its response tokens only (what the learner keeps) and,
/// for MoE policies, the engine's expert routing of each row (null for dense ones).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LogProbMicroBatchOutcome(
    [property: Id(0)] int Index,
    [property: Id(1)] float[][] ResponseLogProbs,
    [property: Id(2)] SequenceRouting[]? Routing = null);

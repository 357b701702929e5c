using Precision.Orleans.Abstractions.Grains.Rl;

namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// What a gradient worker's pass over one policy micro-batch gives the learner for its metrics: the loss, the
/// importance-weight statistics (fields of the RL <c>ImportanceWeightStats</c>), and the training engine's log-probs π
/// of every position ([rows·<paramref name="SeqLen"/>]) and, for MoE policies, the engine's expert routing of each row
/// (null for dense ones), so a sharded run reports the routing mismatch of π exactly as the single learner does.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PolicyMicroBatchOutcome(
    [property: Id(0)] int Index,
    [property: Id(1)] double Loss,
    [property: Id(2)] int StatsCount,
    [property: Id(3)] double WeightMean,
    [property: Id(4)] double WeightMax,
    [property: Id(5)] double EffectiveSampleSize,
    [property: Id(6)] double TruncatedFraction,
    [property: Id(7)] double MaskedFraction,
    [property: Id(8)] double ClippedFraction,
    [property: Id(9)] float[] LogProbs,
    [property: Id(10)] int SeqLen,
    [property: Id(11)] SequenceRouting[]? Routing = null);

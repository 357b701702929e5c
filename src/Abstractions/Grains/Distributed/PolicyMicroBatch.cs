namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// One micro-batch of the RL policy loss (global index <paramref name="Index"/> within the optimizer step): per row the
/// prompt+response tokens and where the response starts, the rollout log-probs μ and (algorithms that need π_θ') the old
/// log-probs of its response tokens, its advantage; and the mini-batch's aggregation normalisers, so that the
/// micro-batches' gradients sum to the mini-batch's.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PolicyMicroBatch(
    [property: Id(0)] int Index,
    [property: Id(1)] int[][] Sequences,
    [property: Id(2)] int[] PromptLengths,
    [property: Id(3)] float[][] RolloutLogProbs,
    [property: Id(4)] float[][]? OldLogProbs,
    [property: Id(5)] float[] Advantages,
    [property: Id(6)] int NormalizerSequences,
    [property: Id(7)] int NormalizerTokens,
    [property: Id(8)] int NormalizerMaxResponseLength);

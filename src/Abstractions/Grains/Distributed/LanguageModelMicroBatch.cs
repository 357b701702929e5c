namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// One micro-batch of a next-token objective: token rows with the position of each row's first target, and the
/// mini-batch's target-token count that normalises the loss (loss = −Σ mask·log p / <paramref name="Normalizer"/>), so
/// that the micro-batches' gradients sum to the mini-batch's.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LanguageModelMicroBatch(
    [property: Id(0)] int Index,
    [property: Id(1)] int[][] Sequences,
    [property: Id(2)] int[] TargetStart,
    [property: Id(3)] float Normalizer);

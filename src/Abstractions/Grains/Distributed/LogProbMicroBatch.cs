namespace Precision.Orleans.Abstractions.Grains.Distributed;

/// <summary>
/// One micro-batch of the old-log-prob pass (global index <paramref name="Index"/>): per row the prompt+response tokens
/// and where the response starts — the learner's chunk of the iteration's sequences, padded by the worker as the learner pads it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LogProbMicroBatch(
    [property: Id(0)] int Index,
    [property: Id(1)] int[][] Sequences,
    [property: Id(2)] int[] PromptLengths);

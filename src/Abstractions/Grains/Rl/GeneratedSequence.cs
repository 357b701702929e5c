namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>One response from a rollout worker: tokens, μ log-prob of each, the engine's finish reason, and
/// (MoE policies) the experts the rollout engine routed each token to.</summary>
[GenerateSerializer, Immutable]
public sealed record GeneratedSequence(
    [property: Id(0)] int[] Tokens,
    [property: Id(1)] float[] LogProbs,
    [property: Id(2)] FinishReason Finish,
    [property: Id(3)] SequenceRouting? Routing);

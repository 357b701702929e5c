namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>One response from a rollout worker: tokens, μ log-prob of each, and why it stopped ("stop" or "length").</summary>
public sealed record GeneratedSequence(int[] Tokens, float[] LogProbs, string Finish);

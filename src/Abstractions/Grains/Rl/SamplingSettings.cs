namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>The rollout section of the spec plus the step's sampling seed, as sent to a rollout worker.</summary>
/// <param name="Seed">Seed of the step's per-sequence random streams (sequence i of the step draws from (Seed, i)).</param>
public sealed record SamplingSettings(float Temperature, float TopP, int TopK, int MaxNewTokens, int[] StopTokens, ulong Seed);

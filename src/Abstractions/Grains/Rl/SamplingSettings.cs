namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>The rollout section of the spec plus the step's sampling seed, as sent to a rollout worker.</summary>
/// <param name="Seed">Seed of the step's per-sequence random streams (sequence i of the step draws from (Seed, i)).</param>
[GenerateSerializer, Immutable]
public sealed record SamplingSettings(
    [property: Id(0)] float Temperature,
    [property: Id(1)] float TopP,
    [property: Id(2)] int TopK,
    [property: Id(3)] int MaxNewTokens,
    [property: Id(4)] int[] StopTokens,
    [property: Id(5)] ulong Seed);

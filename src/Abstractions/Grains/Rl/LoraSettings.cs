namespace Precision.Orleans.Abstractions.Grains.Rl;

/// <summary>A LoRA run's adapters as a rollout worker needs them to lay out the adapter weights it receives (the spec's lora section).</summary>
/// <param name="Rank">r.</param>
/// <param name="Alpha">α (scale α/r).</param>
/// <param name="TargetModules">Adapted projections (PEFT names).</param>
/// <param name="Unmerged">Sample with unmerged adapters (else merged into the base).</param>
[GenerateSerializer, Immutable]
public sealed record LoraSettings(
    [property: Id(0)] int Rank,
    [property: Id(1)] double Alpha,
    [property: Id(2)] string[] TargetModules,
    [property: Id(3)] bool Unmerged);

namespace Precision.Orleans.RL.Spec;

/// <summary>
/// The <c>lora</c> section of a run spec: train low-rank adapters instead of every weight (paper §5.2). Absent = full
/// fine-tuning. The base weights stay frozen in the compute dtype; only the adapters get FP32 masters and AdamW state.
/// </summary>
public sealed record LoraSpec
{
    /// <summary>The seven projections an adapter can sit on (PEFT module names; a name also matches MoE experts' projections).</summary>
    public static readonly IReadOnlyList<string> AllTargetModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Allowed values of <see cref="Rollout"/>.</summary>
    public static readonly IReadOnlyList<string> RolloutModes = ["merged", "unmerged"];

    /// <summary>Rank r of every adapter (YAML <c>rank</c>). Default 8.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>lora_alpha: the adapter output is scaled by alpha / r (YAML <c>alpha</c>). Default 16 (alpha / r = 2, as the paper's 32/64).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Modules that get adapters (YAML <c>target_modules</c>). Default all seven.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = AllTargetModules;

    /// <summary>How the rollout engine applies the adapters: "merged" (W + scale·B·A stored in the dtype) or
    /// "unmerged" (base in the dtype plus a separate low-rank path). Default merged, as vLLM serves merged LoRA weights fastest.</summary>
    public string Rollout { get; init; } = "merged";

    // Value equality over the module list too, so a spec written and read back compares equal (records compare lists by reference).
    public bool Equals(LoraSpec? other) =>
        other is not null && Rank == other.Rank && Alpha.Equals(other.Alpha) && Rollout == other.Rollout && TargetModules.SequenceEqual(other.TargetModules);

    public override int GetHashCode() => HashCode.Combine(Rank, Alpha, Rollout, string.Join(",", TargetModules));
}

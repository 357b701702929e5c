using System.Text.Json;

namespace Precision.Orleans.RL.Checkpoints;

/// <summary>
/// Everything besides weights and optimizer moments that a resumed run needs to continue exactly
/// (<c>trainer_state.json</c> of a checkpoint). Sampling needs no RNG state: it is seeded from (seed, step).
/// </summary>
public sealed record TrainerState
{
    /// <summary>Policy iterations completed.</summary>
    public int Step { get; init; }

    /// <summary>AdamW's applied-step count (its bias correction).</summary>
    public long OptimizerStepCount { get; init; }

    public float LossScale { get; init; }
    public int LossScaleGrowthTracker { get; init; }
    public long SkippedSteps { get; init; }
    public long WeightVersion { get; init; }

    /// <summary>Prompts drawn so far (<see cref="Training.PromptOrder.Position"/>).</summary>
    public long DataPosition { get; init; }

    public int Seed { get; init; }

    /// <summary><see cref="Spec.RunSpecWriter.TrajectoryHash"/> of the spec that wrote it.</summary>
    public string SpecHash { get; init; } = "";

    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainerState FromJson(string json) =>
        JsonSerializer.Deserialize<TrainerState>(json, Json) ?? throw new InvalidDataException("trainer_state.json is empty");
}

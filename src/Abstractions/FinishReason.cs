namespace Precision.Orleans.Abstractions;

/// <summary>
/// Why a generated sequence stopped: the rollout engine's own type, and what crosses the wire from a rollout worker
/// (so the learner sees exactly what the engine decided, with no re-shaping in between).
/// </summary>
[GenerateSerializer]
public enum FinishReason
{
    /// <summary>It emitted a stop token.</summary>
    Stop,

    /// <summary>It reached the maximum number of new tokens (or the model's context).</summary>
    Length,
}

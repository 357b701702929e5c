namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// Statistics of the importance weights an algorithm applied (the sequence weight for sequence-level
/// methods, the per-token weight for token-level ones; all 1 for plain <c>grpo</c> and <c>gspo</c>, which correct
/// no mismatch) and of its clipping. Statistics of one <see cref="PolicyLoss.Compute"/> call: a trainer that splits a
/// mini-batch into micro-batches gets one per micro-batch.
/// </summary>
/// <param name="Count">How many weights these statistics cover: response tokens for <c>grpo</c> and <c>grpo-token-tis</c>,
/// responses for <c>grpo-seq-mis</c>, <c>gspo</c> and the <c>pg-seq-*</c> family.</param>
/// <param name="Mean">Mean weight as applied (after truncation; masked weights count as 0).</param>
/// <param name="Max">Largest raw weight before truncation or masking; saturates at <see cref="double.MaxValue"/> (a
/// sequence log-ratio above ~709) instead of +∞, so the metrics stay writable as JSON.</param>
/// <param name="EffectiveSampleSize">(Σw)² / (n·Σw²) of the raw weights, in (0, 1]; 1 when all are equal.</param>
/// <param name="TruncatedFraction">Fraction of weights truncated to C (TIS).</param>
/// <param name="MaskedFraction">Fraction of weights masked to 0 for exceeding C (MIS).</param>
/// <param name="ClippedFraction">Fraction of response tokens whose PPO/GSPO ratio was clipped (no gradient).</param>
public sealed record ImportanceWeightStats(
    int Count,
    double Mean,
    double Max,
    double EffectiveSampleSize,
    double TruncatedFraction,
    double MaskedFraction,
    double ClippedFraction)
{
    public static readonly ImportanceWeightStats Empty = new(0, 0, 0, 1, 0, 0, 0);
}

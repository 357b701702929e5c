namespace Precision.Orleans.RL.Algorithms;

/// <summary>How per-token losses ℓ[i,t] become one number (verl's <c>loss_agg_mode</c>).</summary>
public enum LossAggregation
{
    /// <summary>Σ ℓ / (response tokens in the mini-batch): every token weighs the same.</summary>
    TokenMean,

    /// <summary>(1/N) Σ_i Σ_t ℓ: every sequence's token sum, averaged over sequences.</summary>
    SeqMeanTokenSum,

    /// <summary>(1/N) Σ_i (1/|y_i|) Σ_t ℓ: every sequence weighs the same whatever its length (original GRPO).</summary>
    SeqMeanTokenMean,

    /// <summary>(1/N) Σ_i Σ_t ℓ / L_max with L_max the maximum response length, a constant (Dr.GRPO: no length bias).</summary>
    SeqMeanTokenSumNorm,
}

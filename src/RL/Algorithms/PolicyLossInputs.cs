namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// Everything a policy loss reads for one mini-batch (or one micro-batch of it), flattened like
/// <see cref="Engine.Training.TokenBatch"/>: sequence i, position t at index <c>i·SeqLen + t</c>.
/// <para>
/// Only positions with <see cref="Mask"/> = 1 (the response tokens) count. The three log-prob arrays hold
/// log π_θ (the current training policy, the one differentiated), log π_θ' (the training policy at the
/// weights that sampled, from the extra forward pass; null for algorithms that do not need it) and
/// log μ (the rollout engine's, at θ').
/// </para>
/// </summary>
public sealed class PolicyLossInputs
{
    public required int Sequences { get; init; }
    public required int SeqLen { get; init; }

    /// <summary>[N·T] log π_θ(y_t): the training engine's current log-probs (the loss is differentiated with respect to these).</summary>
    public required float[] LogProbs { get; init; }

    /// <summary>[N·T] log π_θ'(y_t) from the extra no-grad forward pass, or null.</summary>
    public float[]? OldLogProbs { get; init; }

    /// <summary>[N·T] log μ(y_t), returned by the rollout engine when it sampled y.</summary>
    public required float[] RolloutLogProbs { get; init; }

    /// <summary>[N·T] 1 on response tokens, 0 on prompt and padding.</summary>
    public required float[] Mask { get; init; }

    /// <summary>[N] one advantage per sequence (group-relative; every token of a response shares it).</summary>
    public required float[] Advantages { get; init; }

    /// <summary>
    /// The normalisers of the loss aggregation over the WHOLE mini-batch, so that a mini-batch split into
    /// micro-batches sums to the same loss and gradient as one pass.
    /// </summary>
    public required AggregationNormalizers Normalizers { get; init; }
}

/// <summary>
/// Mini-batch-wide constants of the aggregation: the number of sequences and of response tokens in the
/// whole mini-batch, and the constant of <c>seq-mean-token-sum-norm</c> (the maximum response length).
/// </summary>
public readonly record struct AggregationNormalizers(int Sequences, int Tokens, int MaxResponseLength)
{
    /// <summary>Normalisers for a mini-batch processed in one piece.</summary>
    public static AggregationNormalizers For(float[] mask, int sequences, int seqLen, int maxResponseLength)
    {
        int tokens = 0;
        for (int i = 0; i < sequences * seqLen; i++) if (mask[i] != 0f) tokens++;
        return new AggregationNormalizers(sequences, tokens, maxResponseLength);
    }
}

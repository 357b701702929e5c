namespace Precision.Orleans.RL.Algorithms;

/// <summary>
/// The shared loss aggregation: Loss = Σ_i Σ_t c_i · ℓ[i,t] over response tokens, with one coefficient c_i per
/// sequence taken from the WHOLE mini-batch's <see cref="AggregationNormalizers"/>, so that the micro-batches
/// of a mini-batch add up to exactly the mini-batch's loss and gradient.
/// </summary>
public static class Aggregator
{
    /// <summary>
    /// c_i of a sequence with <paramref name="responseLength"/> tokens: token-mean 1/Tokens, seq-mean-token-sum
    /// 1/Sequences, seq-mean-token-mean 1/(Sequences·|y_i|), seq-mean-token-sum-norm 1/(Sequences·MaxResponseLength).
    /// </summary>
    public static double TokenCoefficient(LossAggregation aggregation, AggregationNormalizers normalizers, int responseLength)
    {
        Validate(aggregation, normalizers);
        if (responseLength <= 0) throw new ArgumentOutOfRangeException(nameof(responseLength), responseLength, "a sequence with no response token has no coefficient");
        return aggregation switch
        {
            LossAggregation.TokenMean => 1.0 / normalizers.Tokens,
            LossAggregation.SeqMeanTokenSum => 1.0 / normalizers.Sequences,
            LossAggregation.SeqMeanTokenMean => 1.0 / ((double)normalizers.Sequences * responseLength),
            LossAggregation.SeqMeanTokenSumNorm => 1.0 / ((double)normalizers.Sequences * normalizers.MaxResponseLength),
            _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "not a loss aggregation mode"),
        };
    }

    /// <summary>Throws when a normaliser that <paramref name="aggregation"/> divides by is not positive.</summary>
    public static void Validate(LossAggregation aggregation, AggregationNormalizers normalizers)
    {
        string mode = LossAggregationNames.Name(aggregation);
        if (aggregation == LossAggregation.TokenMean && normalizers.Tokens <= 0)
            throw new ArgumentException($"{mode} divides by the mini-batch's response tokens, but AggregationNormalizers.Tokens = {normalizers.Tokens}");
        if (aggregation != LossAggregation.TokenMean && normalizers.Sequences <= 0)
            throw new ArgumentException($"{mode} divides by the mini-batch's sequences, but AggregationNormalizers.Sequences = {normalizers.Sequences}");
        if (aggregation == LossAggregation.SeqMeanTokenSumNorm && normalizers.MaxResponseLength <= 0)
            throw new ArgumentException($"{mode} divides by the maximum response length, but AggregationNormalizers.MaxResponseLength = {normalizers.MaxResponseLength}");
    }

    /// <summary>|y_i|: the number of masked (response) positions of sequence <paramref name="sequence"/>.</summary>
    public static int ResponseLength(ReadOnlySpan<float> mask, int sequence, int seqLen)
    {
        int count = 0;
        foreach (float m in mask.Slice(sequence * seqLen, seqLen)) if (m != 0f) count++;
        return count;
    }
}

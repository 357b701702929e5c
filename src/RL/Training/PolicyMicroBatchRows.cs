using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One micro-batch of the policy loss as data — per row the prompt+response tokens, the prompt length, μ and (if the
/// algorithm needs π_θ') the old log-probs of the response tokens, the advantage — and the mini-batch's aggregation
/// normalisers. Built by the learner, and rebuilt from the wire by a gradient worker grain; both compute the loss from it
/// with <see cref="PolicyMicroBatchPass.Run"/>.
/// </summary>
public sealed record PolicyMicroBatchRows(int[][] Sequences, int[] PromptLengths, float[][] RolloutLogProbs, float[][]? OldLogProbs,
    float[] Advantages, AggregationNormalizers Normalizers)
{
    /// <summary>Response (target) tokens of the micro-batch.</summary>
    public int ResponseTokens => Sequences.Select((s, r) => s.Length - PromptLengths[r]).Sum();

    /// <summary>The rows as the training engine's padded batch (targets = the response tokens).</summary>
    public TokenBatch Batch() => TokenBatch.FromSequences(Sequences, PromptLengths);

    internal static PolicyMicroBatchRows Of(TrainingSample[] samples, int[] chunk, float[][]? oldLogProbs, AggregationNormalizers normalizers) => new(
        [.. chunk.Select(i => samples[i].FullSequence)], [.. chunk.Select(i => samples[i].PromptLength)],
        [.. chunk.Select(i => samples[i].RolloutLogProbs)], oldLogProbs is null ? null : [.. chunk.Select(i => oldLogProbs[i])],
        [.. chunk.Select(i => samples[i].Advantage)], normalizers);

    /// <summary>The loss inputs over <paramref name="batch"/> (this micro-batch's) with the engine's log-probs <paramref name="logProbs"/>.</summary>
    public PolicyLossInputs Inputs(TokenBatch batch, float[] logProbs)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int t = batch.SeqLen, rows = Sequences.Length;
        var mu = new float[rows * t];
        var oldLp = OldLogProbs is null ? null : new float[rows * t];
        for (int r = 0; r < rows; r++)
        {
            RolloutLogProbs[r].CopyTo(mu, r * t + PromptLengths[r]);
            OldLogProbs?[r].CopyTo(oldLp!, r * t + PromptLengths[r]);
        }
        return new PolicyLossInputs
        {
            Sequences = rows,
            SeqLen = t,
            LogProbs = logProbs,
            OldLogProbs = oldLp,
            RolloutLogProbs = mu,
            Mask = batch.TargetMask,
            Advantages = (float[])Advantages.Clone(),
            Normalizers = Normalizers,
        };
    }
}

using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.RL.Training;

/// <summary>One rollout as the training engine re-scores it: prompt + response, with μ and the advantage of each response token.</summary>
internal sealed record TrainingSample(int[] FullSequence, int PromptLength, float[] RolloutLogProbs, float Advantage)
{
    public int ResponseLength => FullSequence.Length - PromptLength;

    public static TrainingSample From(RolloutSequence s, float advantage) => new(s.FullSequence(), s.PromptTokens.Length, s.LogProbs, advantage);

    /// <summary>This sample's response log-probs out of a [B·T] log-prob array from the training engine (row <paramref name="row"/>).</summary>
    public float[] ResponseSlice(float[] logProbs, int row, int seqLen) =>
        logProbs.AsSpan(row * seqLen + PromptLength, ResponseLength).ToArray();
}

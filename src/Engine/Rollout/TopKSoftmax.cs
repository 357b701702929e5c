namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// vLLM's topk_softmax routing kernel for one token: softmax of the router logits in FP32, the k most probable
/// experts (ties go to the lower expert index, as torch.topk does on CPU), optionally renormalised to sum to one.
/// The weights stay FP32; HF rounds them to the hidden dtype, which is one of the two engines' differences.
/// </summary>
internal static class TopKSoftmax
{
    /// <param name="logits">The router logits of one token [E]; overwritten with the FP32 probabilities.</param>
    /// <param name="experts">The chosen experts [k], most probable first.</param>
    /// <param name="weights">Their routing weights [k].</param>
    public static void Route(Span<float> logits, bool renormalize, Span<int> experts, Span<float> weights)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits) max = MathF.Max(max, v);
        float sum = 0;
        for (int e = 0; e < logits.Length; e++)
        {
            logits[e] = MathF.Exp(logits[e] - max);
            sum += logits[e];
        }
        for (int e = 0; e < logits.Length; e++) logits[e] /= sum;

        // k is small (≤ 8 in Qwen3-MoE): k selection passes beat a sort.
        float chosenSum = 0;
        for (int j = 0; j < experts.Length; j++)
        {
            int best = -1;
            for (int e = 0; e < logits.Length; e++)
            {
                if (experts[..j].Contains(e)) continue;
                if (best < 0 || logits[e] > logits[best]) best = e;
            }
            experts[j] = best;
            weights[j] = logits[best];
            chosenSum += logits[best];
        }
        if (renormalize)
            for (int j = 0; j < weights.Length; j++) weights[j] /= chosenSum;
    }
}

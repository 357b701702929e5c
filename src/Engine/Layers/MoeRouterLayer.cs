using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;

namespace Precision.Orleans.Engine.Layers;

/// <summary>
/// The Qwen3-MoE router after its linear: p = softmax(logits) in FP32 (logits arrive rounded to the dtype), the top-k
/// experts by p (descending; ties go to the lower index, as a stable sort would), optionally renormalised to sum to
/// one in FP32, then cast to the dtype — HF's softmax(dtype=float32) / topk / "/= sum" / ".to(hidden dtype)".
/// </summary>
public static class MoeRouterLayer
{
    /// <param name="logits">[rows, experts] router logits in the dtype.</param>
    /// <param name="probs">[rows, experts] FP32 softmax (kept for backward).</param>
    /// <param name="topExperts">[rows, k] chosen experts, most probable first.</param>
    /// <param name="topProbs">[rows, k] their FP32 probabilities before renormalisation (kept for backward).</param>
    /// <param name="weights">[rows, k] routing weights in the dtype.</param>
    public static void Forward(ReadOnlySpan<float> logits, Span<float> probs, Span<int> topExperts, Span<float> topProbs,
        Span<float> weights, int rows, int experts, int k, bool normTopK, DType dtype)
    {
        if (k <= 0 || k > experts) throw new ArgumentOutOfRangeException(nameof(k), k, $"top-k must be in [1, {experts}]");
        if (logits.Length < rows * experts || probs.Length < rows * experts || topExperts.Length < rows * k
            || topProbs.Length < rows * k || weights.Length < rows * k)
            throw new ArgumentException($"router buffers too short for {rows} rows of {experts} experts, top-{k}");
        for (int r = 0; r < rows; r++)
        {
            var l = logits.Slice(r * experts, experts);
            var p = probs.Slice(r * experts, experts);
            float max = float.NegativeInfinity;
            for (int e = 0; e < experts; e++) max = MathF.Max(max, l[e]);
            float sum = 0f;
            for (int e = 0; e < experts; e++)
            {
                p[e] = MathF.Exp(l[e] - max);
                sum += p[e];
            }
            for (int e = 0; e < experts; e++) p[e] /= sum;

            var top = topExperts.Slice(r * k, k);
            var tp = topProbs.Slice(r * k, k);
            for (int s = 0; s < k; s++)
            {
                int best = -1;
                for (int e = 0; e < experts; e++)
                {
                    if (top[..s].Contains(e)) continue;
                    // strict '>' keeps the lower index on ties; a NaN row still picks k distinct experts
                    if (best < 0 || p[e] > p[best]) best = e;
                }
                top[s] = best;
                tp[s] = p[best];
            }

            var w = weights.Slice(r * k, k);
            float norm = 1f;
            if (normTopK)
            {
                norm = 0f;
                for (int s = 0; s < k; s++) norm += tp[s];
            }
            for (int s = 0; s < k; s++) w[s] = normTopK ? tp[s] / norm : tp[s];
            DTypeRounding.RoundInPlace(w, dtype);
        }
    }

    /// <summary>
    /// From dL/dweights (the cast's gradient is the identity on values) to dL/dlogits, in FP32 and rounded to the dtype
    /// once at the end (the backward of the float32 softmax of dtype logits). With renormalisation v = p/S,
    /// dp_i = (dv_i − Σ_j dv_j·v_j)/S over the chosen experts; unchosen experts get no weight gradient. The softmax
    /// backward is dl_e = p_e·(dp_e − Σ_j dp_j·p_j). <paramref name="auxGradient"/> [experts] (empty: none) is added to
    /// dp_e of every row whose <paramref name="rowMask"/> entry is non-zero (empty mask: every row) — the gradient of
    /// the load-balancing loss, which is linear in p.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dWeights, ReadOnlySpan<float> probs, ReadOnlySpan<int> topExperts,
        ReadOnlySpan<float> topProbs, ReadOnlySpan<float> auxGradient, ReadOnlySpan<float> rowMask, Span<float> dLogits,
        int rows, int experts, int k, bool normTopK, DType dtype)
    {
        if (dWeights.Length < rows * k || probs.Length < rows * experts || topExperts.Length < rows * k || topProbs.Length < rows * k
            || dLogits.Length < rows * experts || (!auxGradient.IsEmpty && auxGradient.Length < experts) || (!rowMask.IsEmpty && rowMask.Length < rows))
            throw new ArgumentException($"router backward buffers too short for {rows} rows of {experts} experts, top-{k}");
        Span<float> dp = experts <= 1024 ? stackalloc float[experts] : new float[experts];
        for (int r = 0; r < rows; r++)
        {
            dp.Clear();
            if (!auxGradient.IsEmpty && (rowMask.IsEmpty || rowMask[r] != 0f)) auxGradient[..experts].CopyTo(dp);
            var dw = dWeights.Slice(r * k, k);
            var top = topExperts.Slice(r * k, k);
            var tp = topProbs.Slice(r * k, k);
            if (normTopK)
            {
                float sum = 0f;
                for (int s = 0; s < k; s++) sum += tp[s];
                float dot = 0f;
                for (int s = 0; s < k; s++) dot += dw[s] * (tp[s] / sum);
                for (int s = 0; s < k; s++) dp[top[s]] += (dw[s] - dot) / sum;
            }
            else
                for (int s = 0; s < k; s++) dp[top[s]] += dw[s];

            var p = probs.Slice(r * experts, experts);
            var dl = dLogits.Slice(r * experts, experts);
            float inner = 0f;
            for (int e = 0; e < experts; e++) inner += dp[e] * p[e];
            for (int e = 0; e < experts; e++) dl[e] = p[e] * (dp[e] - inner);
            DTypeRounding.RoundInPlace(dl, dtype);
        }
    }
}

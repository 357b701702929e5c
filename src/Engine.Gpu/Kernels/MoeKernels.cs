using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>Router shape: rows of <c>Experts</c> logits, top-<c>K</c>, optional renormalisation.</summary>
public struct RouterShape
{
    public int Experts, K, NormTopK, DType, HasAux, HasMask;
}

/// <summary>
/// The Qwen3-MoE router and the experts' combine, written in the CPU layers' order (sequential per row / per token), so
/// they agree bit for bit where the CPU uses the same scalar arithmetic: softmax in FP32, top-k with ties to the lower
/// index, the renormalised weights cast to the dtype; the combine adds each assignment's rounded contribution in
/// assignment order (tokens' assignment lists are built on the host).
/// </summary>
public static class MoeKernels
{
    /// <summary>One thread per row.</summary>
    public static void RouterForward(Index1D row, ArrayView<float> logits, ArrayView<float> probs, ArrayView<int> topExperts,
        ArrayView<float> topProbs, ArrayView<float> weights, RouterShape s)
    {
        int E = s.Experts, k = s.K;
        long o = (long)row.X * E, ok = (long)row.X * k;
        float max = float.NegativeInfinity;
        for (int e = 0; e < E; e++) max = MathF.Max(max, logits[o + e]);
        float sum = 0f;
        for (int e = 0; e < E; e++)
        {
            float p = MathF.Exp(logits[o + e] - max);
            probs[o + e] = p;
            sum += p;
        }
        for (int e = 0; e < E; e++) probs[o + e] /= sum;
        for (int slot = 0; slot < k; slot++)
        {
            int best = -1;
            for (int e = 0; e < E; e++)
            {
                bool taken = false;
                for (int t = 0; t < slot; t++) taken |= topExperts[ok + t] == e;
                if (taken) continue;
                if (best < 0 || probs[o + e] > probs[o + best]) best = e;
            }
            topExperts[ok + slot] = best;
            topProbs[ok + slot] = probs[o + best];
        }
        float norm = 0f;
        if (s.NormTopK != 0)
            for (int slot = 0; slot < k; slot++) norm += topProbs[ok + slot];
        for (int slot = 0; slot < k; slot++)
            weights[ok + slot] = DeviceNumerics.Round(s.NormTopK != 0 ? topProbs[ok + slot] / norm : topProbs[ok + slot], s.DType);
    }

    /// <summary>One thread per row: dp (into dLogits as scratch), then dl_e = round(p_e·(dp_e − Σ dp·p)).</summary>
    public static void RouterBackward(Index1D row, ArrayView<float> dWeights, ArrayView<float> probs, ArrayView<int> topExperts,
        ArrayView<float> topProbs, ArrayView<float> auxGradient, ArrayView<float> rowMask, ArrayView<float> dLogits, RouterShape s)
    {
        int E = s.Experts, k = s.K;
        long o = (long)row.X * E, ok = (long)row.X * k;
        bool aux = s.HasAux != 0 && (s.HasMask == 0 || rowMask[row] != 0f);
        for (int e = 0; e < E; e++) dLogits[o + e] = aux ? auxGradient[e] : 0f;
        if (s.NormTopK != 0)
        {
            float sum = 0f;
            for (int slot = 0; slot < k; slot++) sum += topProbs[ok + slot];
            float dot = 0f;
            for (int slot = 0; slot < k; slot++) dot += dWeights[ok + slot] * (topProbs[ok + slot] / sum);
            for (int slot = 0; slot < k; slot++) dLogits[o + topExperts[ok + slot]] += (dWeights[ok + slot] - dot) / sum;
        }
        else
            for (int slot = 0; slot < k; slot++) dLogits[o + topExperts[ok + slot]] += dWeights[ok + slot];
        float inner = 0f;
        for (int e = 0; e < E; e++) inner += dLogits[o + e] * probs[o + e];
        for (int e = 0; e < E; e++) dLogits[o + e] = DeviceNumerics.Round(probs[o + e] * (dLogits[o + e] - inner), s.DType);
    }

    /// <summary>
    /// One thread per (token with assignments, column): y = round(y + round(out[a]·w[t, slot])) over the token's
    /// assignments in ascending order (<paramref name="starts"/>/<paramref name="order"/> list them; <paramref name="segmentTokens"/> names the token).
    /// </summary>
    public static void CombineForward(Index1D index, ArrayView<int> starts, ArrayView<int> order, ArrayView<int> segmentTokens, ArrayView<float> expertOutput,
        ArrayView<float> weights, ArrayView<int> slots, ArrayView<float> y, int d, int k, int dtype)
    {
        int segment = (int)(index / d), j = (int)(index % d), t = segmentTokens[segment];
        long at = (long)t * d + j;
        float acc = y[at];
        for (int e = starts[segment]; e < starts[segment + 1]; e++)
        {
            int a = order[e];
            float contribution = DeviceNumerics.Round(expertOutput[(long)a * d + j] * weights[(long)t * k + slots[a]], dtype);
            acc = DeviceNumerics.Round(acc + contribution, dtype);
        }
        y[at] = acc;
    }

    /// <summary>One thread per (assignment, column): dOut[a] = round(dy[t]·w[t, slot]).</summary>
    public static void CombineBackwardOutput(Index1D index, ArrayView<float> dy, ArrayView<float> weights, ArrayView<int> tokens, ArrayView<int> slots,
        ArrayView<float> dExpertOutput, int d, int k, int dtype)
    {
        long a = index / d;
        int j = (int)(index % d), t = tokens[a];
        dExpertOutput[index] = DeviceNumerics.Round(dy[(long)t * d + j] * weights[(long)t * k + slots[a]], dtype);
    }

    /// <summary>One thread per assignment: dw[t, slot] = round(Σ_j round(dy[t, j]·out[a, j])), j ascending.</summary>
    public static void CombineBackwardWeight(Index1D a, ArrayView<float> dy, ArrayView<float> expertOutput, ArrayView<int> tokens, ArrayView<int> slots,
        ArrayView<float> dWeights, int d, int k, int dtype)
    {
        int t = tokens[a];
        float sum = 0f;
        for (int j = 0; j < d; j++) sum += DeviceNumerics.Round(dy[(long)t * d + j] * expertOutput[(long)a.X * d + j], dtype);
        dWeights[(long)t * k + slots[a]] = DeviceNumerics.Round(sum, dtype);
    }
}

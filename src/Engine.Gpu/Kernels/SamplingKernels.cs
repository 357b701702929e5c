using ILGPU;

namespace Precision.Orleans.Engine.Gpu.Kernels;

/// <summary>Sampling settings for the kernel (temperature 0 = greedy; top-k 0 and top-p 1 = no truncation).</summary>
public struct SamplingArgs
{
    public int Vocab, TopK;
    public float Temperature, TopP;
}

/// <summary>
/// The rollout sampler (vLLM's order: temperature, top-k, top-p over the renormalised top-k mass, inverse CDF with the
/// row's uniform), one thread per row, with the CPU sampler's tie rule: tokens ordered by descending probability, then
/// ascending id. The order is walked without sorting — each step finds the next token in that order — so truncation
/// costs O(kept·V) per row. μ = log_softmax(logits/T) of the chosen token over the full vocabulary.
/// </summary>
public static class SamplingKernels
{
    public static void Sample(Index1D row, ArrayView<float> logits, ArrayView<double> uniforms, ArrayView<float> probabilities,
        ArrayView<int> tokens, ArrayView<float> logProbs, ArrayView<int> nonFinite, SamplingArgs s)
    {
        int vocab = s.Vocab;
        long o = (long)row.X * vocab;
        bool greedy = s.Temperature == 0f;
        float temperature = greedy ? 1f : s.Temperature;
        float max = float.NegativeInfinity;
        for (int j = 0; j < vocab; j++) max = MathF.Max(max, logits[o + j] / temperature);
        if (!DeviceNumerics.IsFinite(max))
        {
            nonFinite[0] = 1;
            tokens[row] = 0;
            logProbs[row] = float.NaN;
            return;
        }
        float sum = 0f;
        for (int j = 0; j < vocab; j++)
        {
            float p = MathF.Exp(logits[o + j] / temperature - max);
            probabilities[o + j] = p;
            sum += p;
        }
        float logSumExp = max + MathF.Log(sum);
        double uniform = uniforms[row];
        int token;
        if (greedy)
        {
            token = 0;
            for (int j = 1; j < vocab; j++)
                if (logits[o + j] > logits[o + token]) token = j;
        }
        else if (s.TopK == 0 && s.TopP >= 1f) token = InverseCdf(probabilities, o, vocab, sum, uniform);
        else token = SampleTruncated(probabilities, o, vocab, s, uniform);
        tokens[row] = token;
        logProbs[row] = logits[o + token] / temperature - logSumExp;
    }

    private static int InverseCdf(ArrayView<float> p, long o, int vocab, float total, double uniform)
    {
        float target = (float)(uniform * total), cumulative = 0f;
        int last = 0;
        for (int i = 0; i < vocab; i++)
        {
            if (p[o + i] <= 0f) continue;
            cumulative += p[o + i];
            last = i;
            if (cumulative > target) return i;
        }
        return last;
    }

    /// <summary>The token after <paramref name="previous"/> in (descending p, ascending id) order; −1 before the first.</summary>
    private static int Next(ArrayView<float> p, long o, int vocab, int previous)
    {
        float bound = previous < 0 ? float.PositiveInfinity : p[o + previous];
        int best = -1;
        for (int j = 0; j < vocab; j++)
        {
            float v = p[o + j];
            bool after = previous < 0 || v < bound || (v == bound && j > previous);
            if (after && (best < 0 || v > p[o + best])) best = j;
        }
        return best;
    }

    private static int SampleTruncated(ArrayView<float> p, long o, int vocab, SamplingArgs s, double uniform)
    {
        int kept = s.TopK > 0 ? Math.Min(s.TopK, vocab) : vocab;
        float keptMass = 0f;
        if (s.TopP < 1f)
        {
            // the top-k mass first (the nucleus threshold is a fraction of it), then the shortest prefix reaching it
            int t = -1;
            for (int j = 0; j < kept; j++)
            {
                t = Next(p, o, vocab, t);
                keptMass += p[o + t];
            }
            float threshold = s.TopP * keptMass, cumulative = 0f;
            int count = 0;
            t = -1;
            while (count < kept)
            {
                t = Next(p, o, vocab, t);
                cumulative += p[o + t];
                count++;
                if (cumulative >= threshold) break;
            }
            kept = count;
            keptMass = cumulative;
        }
        else
        {
            int t = -1;
            for (int j = 0; j < kept; j++)
            {
                t = Next(p, o, vocab, t);
                keptMass += p[o + t];
            }
        }
        float target = (float)(uniform * keptMass), running = 0f;
        int token = -1;
        for (int j = 0; j < kept; j++)
        {
            token = Next(p, o, vocab, token);
            running += p[o + token];
            if (running > target) return token;
        }
        return token;
    }
}

using System.Numerics.Tensors;

namespace Precision.Orleans.Engine.Rollout;

/// <summary>
/// FP32 sampling from one row of logits (as vLLM's sampler): temperature, then top-k, then top-p over
/// the renormalised top-k mass, then inverse-CDF with a given uniform. The returned log-probability
/// μ is log_softmax(logits / T) of the chosen token over the FULL vocabulary (T = 1 when greedy).
/// </summary>
internal static class TokenSampler
{
    /// <param name="probabilities">Scratch of vocabulary length.</param>
    /// <param name="sortKeys">Scratch of vocabulary length (used only with top-k / top-p).</param>
    public static (int Token, float LogProb) Sample(ReadOnlySpan<float> logits, SamplingOptions options, double uniform,
        Span<float> probabilities, Span<ulong> sortKeys)
    {
        int vocab = logits.Length;
        bool greedy = options.Temperature == 0f;
        float temperature = greedy ? 1f : options.Temperature;
        var p = probabilities[..vocab];
        TensorPrimitives.Divide(logits, temperature, p);
        float max = TensorPrimitives.Max(p);
        if (!float.IsFinite(max)) throw new InvalidOperationException($"rollout: logits are not finite (max {max})");
        TensorPrimitives.Subtract(p, max, p);
        TensorPrimitives.Exp(p, p);
        float sum = TensorPrimitives.Sum(p);
        float logSumExp = max + MathF.Log(sum);

        int token = greedy ? ArgMax(logits)
            : options.TopK == 0 && options.TopP >= 1f ? InverseCdf(p, sum, uniform)
            : SampleTruncated(p, options, uniform, sortKeys[..vocab]);
        return (token, logits[token] / temperature - logSumExp);
    }

    /// <summary>Index of the largest logit; ties go to the lowest id.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    private static int InverseCdf(ReadOnlySpan<float> p, float total, double uniform)
    {
        float target = (float)(uniform * total), cumulative = 0f;
        int last = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] <= 0f) continue;
            cumulative += p[i];
            last = i;
            if (cumulative > target) return i;
        }
        return last; // rounding left the target just past the running sum: the last token with mass
    }

    private static int SampleTruncated(ReadOnlySpan<float> p, SamplingOptions options, double uniform, Span<ulong> keys)
    {
        // One sortable key per token: descending probability (positive float bits order like integers,
        // so invert them), then ascending id for ties. Sorting keys alone allocates nothing.
        for (int i = 0; i < p.Length; i++)
            keys[i] = ((ulong)~BitConverter.SingleToUInt32Bits(p[i]) << 32) | (uint)i;
        keys.Sort();

        int kept = options.TopK > 0 ? Math.Min(options.TopK, p.Length) : p.Length;
        float keptMass = 0f;
        for (int j = 0; j < kept; j++) keptMass += p[(int)(uint)keys[j]];

        // Nucleus: the shortest prefix of the (renormalised) top-k whose mass reaches top_p; at least one token.
        if (options.TopP < 1f)
        {
            float threshold = options.TopP * keptMass, cumulative = 0f;
            int j = 0;
            while (j < kept)
            {
                cumulative += p[(int)(uint)keys[j]];
                j++;
                if (cumulative >= threshold) break;
            }
            kept = j;
            keptMass = cumulative;
        }

        float target = (float)(uniform * keptMass), running = 0f;
        for (int j = 0; j < kept; j++)
        {
            running += p[(int)(uint)keys[j]];
            if (running > target) return (int)(uint)keys[j];
        }
        return (int)(uint)keys[kept - 1];
    }
}

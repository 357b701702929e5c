using Precision.Orleans.Engine.Lora;

namespace Precision.Orleans.Engine.Tests.Lora;

/// <summary>LoRA configs and non-trivial adapter weights for tests (B ≠ 0, so the adapter path is exercised).</summary>
internal static class LoraTestModels
{
    public static LoraConfig AllModules(int rank = 2, float alpha = 4f) => new() { Rank = rank, Alpha = alpha };

    /// <summary>A and B both ~U(±scale): an adapter that has moved away from PEFT's B = 0 init.</summary>
    public static float[] Adapters(LoraLayout layout, int seed, double scale = 0.3)
    {
        var rng = new Random(seed);
        var w = new float[layout.TotalCount];
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return w;
    }

    /// <summary>FP64 merge W + scale·B·A of every target: the reference model of a LoRA model is its merged model.</summary>
    public static double[] Merge(LoraLayout layout, double[] baseWeights, double[] adapters)
    {
        var merged = (double[])baseWeights.Clone();
        int r = layout.Config.Rank;
        double scale = (double)layout.Config.Alpha / r;
        foreach (var t in layout.Targets)
            for (int o = 0; o < t.OutFeatures; o++)
                for (int i = 0; i < t.InFeatures; i++)
                {
                    double s = 0;
                    for (int k = 0; k < r; k++) s += adapters[t.B.Offset + (long)o * r + k] * adapters[t.A.Offset + (long)k * t.InFeatures + i];
                    merged[t.BaseOffset + (long)o * t.InFeatures + i] += scale * s;
                }
        return merged;
    }
}

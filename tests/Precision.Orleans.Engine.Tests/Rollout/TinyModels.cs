using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>Small random models for rollout tests: big enough to exercise GQA, bias and tiling, fast on 2 cores.</summary>
internal static class TinyModels
{
    public static ModelConfig Config(bool tied = true, string type = "qwen2", int maxPositions = 128) => new()
    {
        ModelType = type,
        VocabSize = 96,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = maxPositions,
        TieWordEmbeddings = tied,
    };

    /// <summary>
    /// Master weights with a larger std than HF init (0.02) so that logits are peaked and tokens vary; much
    /// sharper (std 0.3) and FP32 noise alone, amplified through attention, reaches ~1e-5 in log-probs.
    /// </summary>
    public static float[] Weights(ModelConfig config, int seed, float std = 0.2f)
    {
        var layout = new ParameterLayout(config);
        var w = new float[layout.TotalCount];
        layout.InitializeRandom(w, seed, std);
        // Non-zero biases so that the qkv bias epilogue is exercised.
        foreach (var p in layout.Parameters.Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal)))
            for (long i = 0; i < p.Count; i++) w[p.Offset + i] = 0.05f * MathF.Sin(i + seed);
        return w;
    }

    public static RolloutEngine Engine(DType dtype, ModelConfig? config = null, int seed = 1, int maxBatchSize = 64)
    {
        config ??= Config();
        var engine = new RolloutEngine(config, dtype, maxBatchSize);
        engine.LoadWeights(Weights(config, seed), 0);
        return engine;
    }

    public static int[][] Prompts(int count, int vocab, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, rng.Next(1, 9)).Select(_ => rng.Next(vocab)).ToArray())];
    }
}

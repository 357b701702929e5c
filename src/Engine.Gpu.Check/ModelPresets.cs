using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Gpu.Check;

/// <summary>The models the check makes: Qwen2.5-0.5B's shape (random weights) for the GPU, a tiny one for dry runs.</summary>
internal static class ModelPresets
{
    public static ModelConfig Get(string name) => name switch
    {
        // Qwen2.5-0.5B's config.json: 494M parameters with tied embeddings
        "qwen2-0.5b" => new ModelConfig
        {
            VocabSize = 151936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 24, NumAttentionHeads = 14,
            NumKeyValueHeads = 2, MaxPositionEmbeddings = 32768, RmsNormEps = 1e-6f, RopeTheta = 1000000f, TieWordEmbeddings = true,
        },
        "tiny" => new ModelConfig
        {
            VocabSize = 512, HiddenSize = 64, IntermediateSize = 160, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
            MaxPositionEmbeddings = 1024, TieWordEmbeddings = true,
        },
        _ => throw new ArgumentException($"unknown preset '{name}': expected qwen2-0.5b or tiny"),
    };
}

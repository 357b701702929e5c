using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>Tiny qwen3 (dense, q/k norm) and qwen3_moe configs for whole-model and MoE-block tests.</summary>
internal static class TinyMoeModels
{
    public static ModelConfig Qwen3 => new()
    {
        ModelType = "qwen3", VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
    };

    /// <summary>Every layer sparse: 4 experts, top-2, renormalised weights (as Qwen3-MoE checkpoints).</summary>
    public static ModelConfig Qwen3Moe => new()
    {
        ModelType = "qwen3_moe", VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
        NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = 8, NormTopKProb = true,
    };

    /// <summary>Layer 0 dense (mlp_only_layers), layer 1 sparse with 5 experts, top-2, weights not renormalised (HF's default).</summary>
    public static ModelConfig Qwen3MoeMixed => new()
    {
        ModelType = "qwen3_moe", VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = true,
        NumExperts = 5, NumExpertsPerToken = 2, MoeIntermediateSize = 6, NormTopKProb = false, MlpOnlyLayers = [0],
    };

    public static ModelConfig ByName(string name) => name switch
    {
        "qwen3" => Qwen3,
        "qwen3-moe" => Qwen3Moe,
        "qwen3-moe-mixed" => Qwen3MoeMixed,
        _ => throw new ArgumentException($"unknown tiny model '{name}'"),
    };
}

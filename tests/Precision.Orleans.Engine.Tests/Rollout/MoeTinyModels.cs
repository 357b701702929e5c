using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>Tiny qwen3 / qwen3_moe configs for the rollout MoE tests: a dense layer between sparse ones exercises the layer index.</summary>
internal static class MoeTinyModels
{
    public static ModelConfig Qwen3(int maxPositions = 128) => TinyModels.Config(tied: false, type: "qwen3", maxPositions) with { NumHiddenLayers = 2 };

    public static ModelConfig Qwen3Moe(bool normTopK = true, int maxPositions = 128) => TinyModels.Config(tied: false, type: "qwen3_moe", maxPositions) with
    {
        NumHiddenLayers = 3,
        NumExperts = 6,
        NumExpertsPerToken = 2,
        MoeIntermediateSize = 24,
        NormTopKProb = normTopK,
        MlpOnlyLayers = [1],
    };

    public static ModelConfig Of(string name) => name switch
    {
        "qwen3" => Qwen3(),
        "qwen3_moe" => Qwen3Moe(),
        "qwen3_moe_unnormalised" => Qwen3Moe(normTopK: false),
        _ => throw new ArgumentException(name),
    };
}

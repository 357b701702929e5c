using System.Text.Json;
using System.Text.Json.Serialization;

namespace Precision.Orleans.Engine.Model;

/// <summary>
/// A decoder-only transformer shaped like Qwen2 / Llama, described with the Hugging Face
/// <c>config.json</c> field names so that the same file describes our checkpoints and theirs.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>"qwen2" (q/k/v bias) or "llama" (no bias). Default "qwen2".</summary>
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "qwen2";

    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 256;

    /// <summary>Model width D.</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 128;

    /// <summary>SwiGLU inner width I.</summary>
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 384;

    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 4;

    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 4;

    /// <summary>Grouped-query attention: each KV head serves NumAttentionHeads / NumKeyValueHeads query heads.</summary>
    [JsonPropertyName("num_key_value_heads")] public int NumKeyValueHeads { get; init; } = 2;

    /// <summary>Per-head width; when absent it is hidden_size / num_attention_heads (as in HF).</summary>
    [JsonPropertyName("head_dim")] public int? HeadDimOverride { get; init; }

    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;

    [JsonPropertyName("rms_norm_eps")] public float RmsNormEps { get; init; } = 1e-6f;

    [JsonPropertyName("rope_theta")] public float RopeTheta { get; init; } = 10000f;

    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }

    /// <summary>Bias on q/k/v projections. Qwen2 has it; Llama does not. Default: true for qwen2.</summary>
    [JsonPropertyName("attention_bias")] public bool? AttentionBiasOverride { get; init; }

    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }

    [JsonPropertyName("eos_token_id")] public int? EosTokenId { get; init; }

    [JsonIgnore] public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;

    [JsonIgnore] public bool AttentionBias => AttentionBiasOverride ?? ModelType == "qwen2";

    [JsonIgnore] public int QDim => NumAttentionHeads * HeadDim;

    [JsonIgnore] public int KvDim => NumKeyValueHeads * HeadDim;

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first field that makes no model.</summary>
    public ModelConfig Validate()
    {
        static void Require(bool ok, string field, string why)
        {
            if (!ok) throw new InvalidDataException($"model config: '{field}' {why}");
        }

        Require(ModelType is "qwen2" or "llama", "model_type", $"is '{ModelType}'; supported: qwen2, llama");
        Require(VocabSize > 0, "vocab_size", "must be positive");
        Require(HiddenSize > 0, "hidden_size", "must be positive");
        Require(IntermediateSize > 0, "intermediate_size", "must be positive");
        Require(NumHiddenLayers > 0, "num_hidden_layers", "must be positive");
        Require(NumAttentionHeads > 0, "num_attention_heads", "must be positive");
        Require(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0, "num_key_value_heads",
            $"must be positive and divide num_attention_heads ({NumAttentionHeads})");
        Require(HeadDimOverride is not null || HiddenSize % NumAttentionHeads == 0, "hidden_size",
            "must be divisible by num_attention_heads when head_dim is not given");
        Require(HeadDim > 0 && HeadDim % 2 == 0, "head_dim", "must be positive and even (RoPE rotates pairs)");
        Require(MaxPositionEmbeddings > 0, "max_position_embeddings", "must be positive");
        Require(RmsNormEps > 0, "rms_norm_eps", "must be positive");
        Require(RopeTheta > 0, "rope_theta", "must be positive");
        return this;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelConfig FromJson(string json, string source = "config.json")
    {
        ModelConfig? cfg;
        try
        {
            cfg = JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a valid model config: {e.Message}", e);
        }
        if (cfg is null) throw new InvalidDataException($"{source}: empty model config");
        try
        {
            return cfg.Validate();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Precision.Orleans.Engine.Model;

/// <summary>
/// A decoder-only transformer shaped like Qwen2 / Llama, described with the Hugging Face
/// <c>config.json</c> field names so that the same file describes our checkpoints and theirs.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>
    /// "qwen2" (q/k/v bias), "llama" (no bias), "qwen3" (per-head RMSNorm on q and k before RoPE, no bias) or
    /// "qwen3_moe" (qwen3 attention with Mixture-of-Experts MLPs). Default "qwen2".
    /// </summary>
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

    /// <summary>Routed experts per MoE layer (qwen3_moe); 0 for a dense model.</summary>
    [JsonPropertyName("num_experts")] public int NumExperts { get; init; }

    /// <summary>Experts each token is routed to (top-k).</summary>
    [JsonPropertyName("num_experts_per_tok")] public int NumExpertsPerToken { get; init; }

    /// <summary>SwiGLU inner width of one expert.</summary>
    [JsonPropertyName("moe_intermediate_size")] public int MoeIntermediateSize { get; init; }

    /// <summary>Renormalise the top-k routing weights to sum to one (Qwen3-MoE checkpoints set true; HF's default is false).</summary>
    [JsonPropertyName("norm_topk_prob")] public bool NormTopKProb { get; init; }

    /// <summary>Every decoder_sparse_step-th layer is sparse (layer l when (l + 1) % step == 0). Default 1: all layers.</summary>
    [JsonPropertyName("decoder_sparse_step")] public int DecoderSparseStep { get; init; } = 1;

    /// <summary>Layers that keep a dense MLP even in an MoE model.</summary>
    [JsonPropertyName("mlp_only_layers")] public IReadOnlyList<int> MlpOnlyLayers { get; init; } = [];

    /// <summary>Weight of the Switch-Transformer load-balancing loss when training uses it. HF default 0.001.</summary>
    [JsonPropertyName("router_aux_loss_coef")] public float RouterAuxLossCoef { get; init; } = 0.001f;

    [JsonIgnore] public bool IsMoe => NumExperts > 0;

    /// <summary>Qwen3 and Qwen3-MoE normalise each query and key head (RMSNorm over head_dim) before RoPE.</summary>
    [JsonIgnore] public bool HasQkNorm => ModelType is "qwen3" or "qwen3_moe";

    /// <summary>True when decoder layer <paramref name="layer"/> has a routed-expert MLP (Qwen3-MoE's rule).</summary>
    public bool IsSparseLayer(int layer) =>
        IsMoe && !MlpOnlyLayers.Contains(layer) && (layer + 1) % DecoderSparseStep == 0;

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

        Require(ModelType is "qwen2" or "llama" or "qwen3" or "qwen3_moe", "model_type",
            $"is '{ModelType}'; supported: qwen2, llama, qwen3, qwen3_moe");
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
        if (ModelType == "qwen3_moe")
        {
            Require(NumExperts > 0, "num_experts", "must be positive for qwen3_moe");
            Require(NumExpertsPerToken > 0 && NumExpertsPerToken <= NumExperts, "num_experts_per_tok",
                $"must be in [1, num_experts = {NumExperts}]");
            Require(MoeIntermediateSize > 0, "moe_intermediate_size", "must be positive for qwen3_moe");
            Require(DecoderSparseStep > 0, "decoder_sparse_step", "must be positive");
            Require(MlpOnlyLayers.All(l => l >= 0 && l < NumHiddenLayers), "mlp_only_layers",
                $"must list layer indices in [0, {NumHiddenLayers})");
            Require(RouterAuxLossCoef >= 0, "router_aux_loss_coef", "must be >= 0");
        }
        else Require(NumExperts == 0, "num_experts", $"is {NumExperts}; experts are only supported with model_type qwen3_moe");
        return this;
    }

    // Value equality over the serialised fields: the generated record equality would compare the
    // mlp_only_layers list by reference.
    public bool Equals(ModelConfig? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);

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

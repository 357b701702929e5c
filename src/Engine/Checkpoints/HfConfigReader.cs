using System.Text.Json;
using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Strict reader of a Hugging Face <c>config.json</c> (qwen2, llama, qwen3, qwen3_moe). The shape fields map
/// one-to-one onto <see cref="ModelConfig"/> (same names); every field whose value would change the
/// architecture in a way our engines do not implement is REFUSED by name rather than ignored, because a
/// silently different model would train and report numbers that mean nothing. Purely informational fields
/// (transformers_version, initializer_range, use_cache, ...) are accepted and ignored.
/// </summary>
public static class HfConfigReader
{
    public static readonly string[] SupportedModelTypes = ["qwen2", "llama", "qwen3", "qwen3_moe"];

    private static readonly Dictionary<string, string> ArchitectureOf = new(StringComparer.Ordinal)
    {
        ["qwen2"] = "Qwen2ForCausalLM",
        ["llama"] = "LlamaForCausalLM",
        ["qwen3"] = "Qwen3ForCausalLM",
        ["qwen3_moe"] = "Qwen3MoeForCausalLM",
    };

    /// <summary>The transformers class name written to "architectures" for a model type.</summary>
    public static string Architecture(string modelType) =>
        ArchitectureOf.TryGetValue(modelType, out var a) ? a : throw new ArgumentException($"unsupported model_type '{modelType}'", nameof(modelType));

    public static ModelConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model config '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>The on-disk default dtype ("torch_dtype", or "dtype" in newer transformers), e.g. "bfloat16"; null when absent.</summary>
    public static string? TorchDType(string json)
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject;
            var node = root?["torch_dtype"] ?? root?["dtype"];
            return node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Parses and validates; every error is an <see cref="InvalidDataException"/> starting with <paramref name="source"/>.</summary>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        InvalidDataException Bad(string field, string why) => new($"{source}: '{field}' {why}");

        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: not a valid model config: the top level must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a valid model config: {e.Message}", e);
        }

        string? modelType = String(root, "model_type", source);
        if (modelType is null || !ArchitectureOf.ContainsKey(modelType))
            throw Bad("model_type", $"is {(modelType is null ? "missing" : $"'{modelType}'")}; supported: {string.Join(", ", SupportedModelTypes)}");

        if (root["architectures"] is JsonArray archs)
            foreach (var a in archs)
            {
                string? name = a is JsonValue v && v.TryGetValue(out string? s) ? s : null;
                if (name != ArchitectureOf[modelType])
                    throw Bad("architectures", $"lists '{name}', which disagrees with model_type '{modelType}' (expected {ArchitectureOf[modelType]})");
            }

        RefuseUnsupported(root, modelType, Bad, source);

        // HF semantics our ModelConfig defaults do not share.
        if (root["num_key_value_heads"] is null && root["num_attention_heads"] is not null)
            root["num_key_value_heads"] = root["num_attention_heads"]!.DeepClone();
        // Llama 3 style configs list several end-of-sequence ids; the first is the one generation stops on by default.
        if (root["eos_token_id"] is JsonArray eos)
            root["eos_token_id"] = eos.Count > 0 ? eos[0]!.DeepClone() : null;

        return ModelConfig.FromJson(root.ToJsonString(), source);
    }

    private static void RefuseUnsupported(JsonObject root, string modelType, Func<string, string, InvalidDataException> bad, string source)
    {
        var scaling = root["rope_scaling"];
        if (scaling is JsonObject so)
        {
            string? type = String(so, "rope_type", source) ?? String(so, "type", source);
            if (type != "default")
                throw bad("rope_scaling", $"has type '{type ?? "(none)"}'; only plain RoPE is implemented (rope_scaling null)");
        }
        else if (scaling is not null)
            throw bad("rope_scaling", $"must be null or an object, found {scaling.ToJsonString()}");

        string? act = String(root, "hidden_act", source);
        if (act is not null && act != "silu")
            throw bad("hidden_act", $"is '{act}'; only silu (SwiGLU) is implemented");
        if (Bool(root, "use_sliding_window", source) == true)
            throw bad("use_sliding_window", "is true; sliding-window attention is not implemented");
        if (Bool(root, "mlp_bias", source) == true)
            throw bad("mlp_bias", "is true; MLP biases are not implemented");
        // transformers' Qwen2 always has q/k/v biases whatever the config says: a qwen2 "without" them is not a Qwen2.
        if (modelType == "qwen2" && Bool(root, "attention_bias", source) == false)
            throw bad("attention_bias", "is false, but Qwen2 always has q/k/v biases (use model_type llama for a bias-free model)");
        if (modelType != "qwen2" && Bool(root, "attention_bias", source) == true)
            throw bad("attention_bias", $"is true; for {modelType} that adds q/k/v AND o_proj biases, and an o_proj bias is not implemented");
        if (root["pretraining_tp"] is JsonValue tp && (!tp.TryGetValue(out int t) || t != 1))
            throw bad("pretraining_tp", $"is {tp.ToJsonString()}; only 1 is implemented");
        if (modelType != "qwen3_moe")
            foreach (string moe in new[] { "num_experts", "num_experts_per_tok", "moe_intermediate_size" })
                if (root[moe] is JsonValue mv && (!mv.TryGetValue(out int n) || n != 0))
                    throw bad(moe, $"is {mv.ToJsonString()}; experts are only supported with model_type qwen3_moe");
        if (modelType == "qwen3_moe")
        {
            foreach (string required in new[] { "num_experts", "num_experts_per_tok", "moe_intermediate_size" })
                if (root[required] is null) throw bad(required, "is missing; a qwen3_moe config must give it");
            if (Bool(root, "output_router_logits", source) == true && root["router_aux_loss_coef"] is null)
                throw bad("router_aux_loss_coef", "is missing while output_router_logits is true");
        }
    }

    private static string? String(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw new InvalidDataException($"{source}: '{key}' must be a string, found {other.ToJsonString()}"),
    };

    private static bool? Bool(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var other => throw new InvalidDataException($"{source}: '{key}' must be true or false, found {other.ToJsonString()}"),
    };
}

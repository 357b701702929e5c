using System.Text.Json;
using System.Text.Json.Nodes;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// Writes <c>config.json</c> the way transformers' <c>from_pretrained</c> needs it: "architectures", "model_type",
/// "torch_dtype" (the dtype of the saved tensors) and "hidden_act", then the <see cref="ModelConfig"/> fields under
/// their HF names. The MoE fields appear only for qwen3_moe. Reading the file back with
/// <see cref="HfConfigReader"/> gives an equal <see cref="ModelConfig"/>.
/// </summary>
public static class HfConfigWriter
{
    private static readonly string[] MoeFields =
        ["num_experts", "num_experts_per_tok", "moe_intermediate_size", "norm_topk_prob", "decoder_sparse_step", "mlp_only_layers", "router_aux_loss_coef"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string TorchDTypeName(DType dtype) => dtype switch
    {
        DType.Fp32 => "float32",
        DType.Fp16 => "float16",
        DType.Bf16 => "bfloat16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no torch dtype"),
    };

    public static string ToJson(ModelConfig config, DType storageDType)
    {
        config.Validate();
        var fields = (JsonObject)JsonNode.Parse(config.ToJson())!;
        var defaults = (JsonObject)JsonNode.Parse(new ModelConfig().ToJson())!;
        if (!config.IsMoe)
            foreach (string f in MoeFields)
            {
                // A dense model's MoE fields are the defaults; dropping them keeps the file a plain Qwen2/Llama/Qwen3 config.
                if (!JsonNode.DeepEquals(fields[f], defaults[f]))
                    throw new ArgumentException($"model config: '{f}' is set on a dense {config.ModelType} model", nameof(config));
                fields.Remove(f);
            }

        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(HfConfigReader.Architecture(config.ModelType)),
            ["model_type"] = config.ModelType,
            ["torch_dtype"] = TorchDTypeName(storageDType),
            ["hidden_act"] = "silu",
        };
        foreach (var (k, v) in fields.ToList())
        {
            if (k == "model_type") continue;
            fields.Remove(k);
            root[k] = v;
        }
        return root.ToJsonString(Indented);
    }
}

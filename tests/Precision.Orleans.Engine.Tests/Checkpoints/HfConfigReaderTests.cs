using System.Text.Json.Nodes;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>config.json of published models maps onto ModelConfig; every field value we do not implement is refused by name.</summary>
public class HfConfigReaderTests
{
    /// <summary>The fields of Qwen2.5-Math-1.5B's config.json (as published), informational ones included.</summary>
    private const string Qwen25Math15B = """
        {
          "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151643,
          "hidden_act": "silu", "hidden_size": 1536, "initializer_range": 0.02, "intermediate_size": 8960,
          "max_position_embeddings": 4096, "max_window_layers": 21, "model_type": "qwen2", "num_attention_heads": 12,
          "num_hidden_layers": 28, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 10000, "sliding_window": 4096,
          "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.37.0", "use_cache": true,
          "use_mrope": false, "use_sliding_window": false, "vocab_size": 151936
        }
        """;

    private const string Qwen3MoeTiny = """
        {
          "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "attention_bias": false, "hidden_act": "silu",
          "hidden_size": 64, "head_dim": 32, "intermediate_size": 96, "moe_intermediate_size": 24, "num_experts": 8,
          "num_experts_per_tok": 2, "norm_topk_prob": true, "decoder_sparse_step": 1, "mlp_only_layers": [1],
          "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 3, "rms_norm_eps": 1e-06,
          "rope_scaling": null, "rope_theta": 1000000.0, "router_aux_loss_coef": 0.001, "output_router_logits": false,
          "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 100, "sliding_window": null, "use_sliding_window": false
        }
        """;

    [Fact]
    public void Qwen2_5_math_config_maps_every_shape_field()
    {
        var c = HfConfigReader.Parse(Qwen25Math15B);
        Assert.Equal(("qwen2", 151936, 1536, 8960, 28, 12, 2), (c.ModelType, c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads));
        Assert.Equal(128, c.HeadDim);
        Assert.True(c.TieWordEmbeddings);
        Assert.True(c.AttentionBias);
        Assert.Equal(1e-6f, c.RmsNormEps);
        Assert.Equal(10000f, c.RopeTheta);
        Assert.Equal(151643, c.EosTokenId);
        Assert.Equal("bfloat16", HfConfigReader.TorchDType(Qwen25Math15B));
        // 1.5B parameters, as the model's name says (tied head).
        Assert.InRange(new ParameterLayout(c).TotalCount, 1_540_000_000, 1_550_000_000);
    }

    [Fact]
    public void Qwen3_moe_config_maps_the_moe_fields()
    {
        var c = HfConfigReader.Parse(Qwen3MoeTiny);
        Assert.True(c.IsMoe && c.HasQkNorm && !c.AttentionBias);
        Assert.Equal((8, 2, 24, true), (c.NumExperts, c.NumExpertsPerToken, c.MoeIntermediateSize, c.NormTopKProb));
        Assert.Equal([1], c.MlpOnlyLayers);
        Assert.True(c.IsSparseLayer(0));
        Assert.False(c.IsSparseLayer(1));
        Assert.Equal(32, c.HeadDim);
    }

    [Fact]
    public void Llama_eos_list_takes_the_first_id_and_kv_heads_default_to_attention_heads()
    {
        var c = HfConfigReader.Parse("""
            {"model_type":"llama","architectures":["LlamaForCausalLM"],"vocab_size":64,"hidden_size":32,"intermediate_size":48,
             "num_hidden_layers":1,"num_attention_heads":4,"eos_token_id":[7,9],"pretraining_tp":1,"mlp_bias":false,"attention_bias":false}
            """);
        Assert.Equal(7, c.EosTokenId);
        Assert.Equal(4, c.NumKeyValueHeads);
        Assert.False(c.AttentionBias);
    }

    [Theory]
    [InlineData("rope_scaling", """{"rope_type":"yarn","factor":4.0}""", "yarn")]
    [InlineData("rope_scaling", """{"type":"linear","factor":2.0}""", "linear")]
    [InlineData("hidden_act", "\"gelu\"", "gelu")]
    [InlineData("use_sliding_window", "true", "sliding-window")]
    [InlineData("attention_bias", "false", "always has q/k/v biases")]
    [InlineData("mlp_bias", "true", "MLP biases")]
    [InlineData("pretraining_tp", "2", "only 1")]
    [InlineData("num_experts", "8", "only supported with model_type qwen3_moe")]
    [InlineData("architectures", """["LlamaForCausalLM"]""", "disagrees with model_type 'qwen2'")]
    public void Unsupported_value_is_refused_naming_the_field(string field, string value, string fragment)
    {
        var root = (JsonObject)JsonNode.Parse(Qwen25Math15B)!;
        root[field] = JsonNode.Parse(value);
        var e = Assert.Throws<InvalidDataException>(() => HfConfigReader.Parse(root.ToJsonString(), "/m/config.json"));
        Assert.Contains("/m/config.json", e.Message);
        Assert.Contains($"'{field}'", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Llama_attention_bias_is_refused_because_of_the_o_proj_bias()
    {
        var e = Assert.Throws<InvalidDataException>(() => HfConfigReader.Parse("""{"model_type":"llama","attention_bias":true}"""));
        Assert.Contains("o_proj", e.Message);
    }

    [Theory]
    [InlineData("""{"model_type":"mistral"}""", "'mistral'")]
    [InlineData("""{"hidden_size":8}""", "missing")]
    public void Unknown_or_missing_model_type_lists_the_supported_ones(string json, string fragment)
    {
        var e = Assert.Throws<InvalidDataException>(() => HfConfigReader.Parse(json, "cfg.json"));
        Assert.Contains("model_type", e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.Contains("qwen2, llama, qwen3, qwen3_moe", e.Message);
    }

    [Fact]
    public void Qwen3_moe_without_expert_count_is_refused()
    {
        var root = (JsonObject)JsonNode.Parse(Qwen3MoeTiny)!;
        root.Remove("num_experts");
        Assert.Contains("'num_experts' is missing", Assert.Throws<InvalidDataException>(() => HfConfigReader.Parse(root.ToJsonString())).Message);
    }

    public static TheoryData<string> ConfigNames => new(["qwen2", "llama", "qwen3", "qwen3_moe"]);

    internal static ModelConfig Sample(string type) => type switch
    {
        "qwen2" => CheckpointFixtures.Qwen2Untied,
        "llama" => CheckpointFixtures.LlamaTied with { RopeTheta = 500_000f, BosTokenId = 1, EosTokenId = 2 },
        "qwen3" => CheckpointFixtures.Qwen2Untied with { ModelType = "qwen3", HeadDimOverride = 8 },
        _ => HfConfigReader.Parse(Qwen3MoeTiny),
    };

    [Theory]
    [MemberData(nameof(ConfigNames))]
    public void Written_config_reads_back_equal_and_carries_what_transformers_needs(string type)
    {
        var c = Sample(type);
        string json = HfConfigWriter.ToJson(c, DType.Bf16);
        Assert.Equal(c, HfConfigReader.Parse(json));
        var root = (JsonObject)JsonNode.Parse(json)!;
        Assert.Equal(HfConfigReader.Architecture(type), root["architectures"]![0]!.GetValue<string>());
        Assert.Equal("bfloat16", root["torch_dtype"]!.GetValue<string>());
        Assert.Equal("silu", root["hidden_act"]!.GetValue<string>());
        Assert.Equal(type == "qwen3_moe", root.ContainsKey("num_experts"));
    }
}

using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Xunit;
using TinyModels = Precision.Orleans.Engine.Tests.Training.TinyModels;

namespace Precision.Orleans.Engine.Tests.Lora;

public class LoraConfigTests
{
    [Fact]
    public void Json_uses_peft_field_names_and_round_trips()
    {
        var c = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj"], BaseModelNameOrPath = "ckpt/base" };
        string json = c.ToJson();
        foreach (string key in new[] { "\"r\": 4", "\"lora_alpha\": 8", "\"target_modules\"", "\"lora_dropout\": 0", "\"bias\": \"none\"", "\"peft_type\": \"LORA\"", "\"task_type\": \"CAUSAL_LM\"", "\"base_model_name_or_path\": \"ckpt/base\"" })
            Assert.Contains(key, json);
        Assert.Equal(c, LoraConfig.FromJson(json));
        Assert.Equal(2f, c.Scale);
    }

    [Theory]
    [InlineData("{\"r\": 4, \"lora_alpha\": 8, \"lora_dropout\": 0.05}", "lora_dropout")]
    [InlineData("{\"r\": 0, \"lora_alpha\": 8}", "r must be positive")]
    [InlineData("{\"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"qkv\"]}", "unknown module 'qkv'")]
    [InlineData("{\"r\": 4, \"lora_alpha\": 8, \"bias\": \"all\"}", "bias")]
    [InlineData("{\"r\": 4, \"lora_alpha\": 8, \"peft_type\": \"IA3\"}", "peft_type")]
    [InlineData("{\"r\": \"four\"}", "not a valid LoRA adapter config")]
    public void Bad_configs_are_refused_naming_the_file_and_field(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => LoraConfig.FromJson(json, "dir/adapter_config.json"));
        Assert.Contains("dir/adapter_config.json", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Layout_targets_named_modules_with_peft_names_in_one_buffer()
    {
        var baseLayout = new ParameterLayout(TinyModels.Qwen2);
        var layout = new LoraLayout(baseLayout, new LoraConfig { Rank = 3, Alpha = 6, TargetModules = ["v_proj", "down_proj"] });
        Assert.Equal(2 * TinyModels.Qwen2.NumHiddenLayers, layout.Targets.Count);
        Assert.Equal("base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight", layout.Parameters[0].Name);
        Assert.Equal("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight", layout.Parameters[1].Name);
        var v = baseLayout["model.layers.1.mlp.down_proj.weight"];
        Assert.True(layout.TryGetTarget(v.Offset, out var t));
        Assert.Equal(new[] { 3, v.Shape[1] }, t.A.Shape);
        Assert.Equal(new[] { v.Shape[0], 3 }, t.B.Shape);
        Assert.False(layout.TryGetTarget(baseLayout["model.layers.0.self_attn.q_proj.weight"].Offset, out _));
        // contiguous, no gaps
        long cursor = 0;
        foreach (var p in layout.Parameters)
        {
            Assert.Equal(cursor, p.Offset);
            cursor += p.Count;
        }
        Assert.Equal(cursor, layout.TotalCount);
    }

    [Fact]
    public void Peft_init_is_seeded()
    {
        var layout = new LoraLayout(new ParameterLayout(TinyModels.Qwen2), new LoraConfig());
        var a = new float[layout.TotalCount];
        var b = new float[layout.TotalCount];
        var c = new float[layout.TotalCount];
        layout.InitializePeft(a, 1);
        layout.InitializePeft(b, 1);
        layout.InitializePeft(c, 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}

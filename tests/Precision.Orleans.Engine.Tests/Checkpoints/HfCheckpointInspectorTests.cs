using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Evaluation;
using Precision.Orleans.Client.Inspect;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>precision inspect: what it reports about a sharded MoE checkpoint, in tables and as JSON.</summary>
public class HfCheckpointInspectorTests
{
    private static (ModelConfig Config, ParameterLayout Layout, float[] Weights) SaveMoe(string dir)
    {
        var config = HfConfigReaderTests.Sample("qwen3_moe");
        var layout = new ParameterLayout(config);
        var w = CheckpointFixtures.RandomWeights(layout, 12);
        w[layout["model.layers.2.mlp.experts.3.up_proj.weight"].Offset + 4] = 1e5f; // one FP16 overflow
        HfCheckpointWriter.Save(dir, config, layout, w, new HfSaveOptions { StorageDType = DType.Bf16, MaxShardBytes = 20_000 });
        return (config, layout, w);
    }

    [Fact]
    public void Summary_counts_parameters_dtypes_files_and_the_fp16_range()
    {
        using var dir = new TempDirectory();
        var (config, layout, _) = SaveMoe(dir.Path);
        var s = HfCheckpointInspector.Inspect(dir.Path);

        Assert.Equal(layout.TotalCount, s.TotalParameters);
        // Active: everything but the experts a token is not routed to — counted here from the tensor names.
        long unrouted = layout.Parameters.Where(p => p.Name.Contains(".mlp.experts.", StringComparison.Ordinal)).Sum(p => p.Count)
            * (config.NumExperts - config.NumExpertsPerToken) / config.NumExperts;
        Assert.Equal(layout.TotalCount - unrouted, s.ActiveParametersPerToken);
        Assert.Equal([new DTypeShare("BF16", layout.TotalCount, layout.TotalCount * 2)], s.DTypes);
        Assert.True(s.Sharded && s.ChecksumsVerified);
        Assert.Equal(Directory.GetFiles(dir.Path, "model-*.safetensors").Length, s.Files.Count);
        Assert.Equal("bfloat16", s.TorchDType);

        var loaded = HfCheckpoint.Load(dir.Path, new HfLoadOptions { MeasureFp16Range = true });
        Assert.Equal(loaded.Fp16Range!.Total, s.Fp16Range.Total with { });
        Assert.Equal(1, s.Fp16Range.Total.Overflow);
        Assert.Equal("model.layers.2.mlp.experts.3.up_proj.weight", s.Fp16Range.Worst(1).Single().Tensor);
        Assert.True(s.Fp16Range.Total.Underflow > 0, "the fixture's 1e-4-scaled values include FP16 underflows");
    }

    [Fact]
    public void Inspect_command_prints_json_and_tables()
    {
        using var dir = new TempDirectory();
        var (config, layout, _) = SaveMoe(dir.Path);
        var json = new StringWriter();
        Assert.Equal(0, InspectRunner.Run(dir.Path, json: true, top: 3, json));
        var root = JsonDocument.Parse(json.ToString()).RootElement;
        Assert.Equal("qwen3_moe", root.GetProperty("model_type").GetString());
        Assert.Equal(layout.TotalCount, root.GetProperty("parameters").GetInt64());
        Assert.Equal(config.NumExperts, root.GetProperty("num_experts").GetInt32());
        Assert.Equal(1, root.GetProperty("fp16_range").GetProperty("total").GetProperty("overflow").GetInt64());
        Assert.Equal("BF16", root.GetProperty("dtypes")[0].GetProperty("dtype").GetString());

        var text = new StringWriter();
        Assert.Equal(0, InspectRunner.Run(dir.Path, json: false, top: 3, text));
        Assert.Contains("qwen3_moe", text.ToString());
        Assert.Contains("active per token", text.ToString());
        Assert.Contains("overflow FP16", text.ToString());
    }

    [Fact]
    public void Inspect_of_a_bad_directory_is_one_clear_error_and_exit_2()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("config.json"), """{"model_type":"gpt2"}""");
        File.WriteAllText(dir.File("model.safetensors"), "");
        Assert.Equal(UserErrors.ExitCode, UserErrors.Run("inspect", () => InspectRunner.Run(dir.Path, false, 5, TextWriter.Null)));
        Assert.Contains("'gpt2'", Assert.Throws<InvalidDataException>(() => HfCheckpointInspector.Inspect(dir.Path)).Message);
    }
}

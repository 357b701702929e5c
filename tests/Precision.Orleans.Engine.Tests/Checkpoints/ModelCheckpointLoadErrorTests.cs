using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>Each way a checkpoint directory can be wrong gives an exception naming the file and the problem.</summary>
public class ModelCheckpointLoadErrorTests
{
    private static string SaveGood(TempDirectory dir, ModelConfig config)
    {
        var layout = new ParameterLayout(config);
        ModelCheckpoint.Save(dir.Path, config, layout, CheckpointFixtures.RandomWeights(layout, 9));
        return dir.File(ModelCheckpoint.WeightsFileName);
    }

    /// <summary>config.json plus a safetensors file with exactly the tensors given (no checksums), as another tool might write.</summary>
    private static string WriteCustom(TempDirectory dir, ModelConfig config, IReadOnlyList<ParameterInfo> tensors, DType storage = DType.Fp32)
    {
        File.WriteAllText(dir.File(ModelCheckpoint.ConfigFileName), config.ToJson());
        long count = tensors.Count == 0 ? 0 : tensors.Max(t => t.Offset + t.Count);
        var buffer = new float[count];
        string path = dir.File(ModelCheckpoint.WeightsFileName);
        using (var f = File.Create(path))
            SafetensorsWriter.Write(f, buffer, tensors, storage, new Dictionary<string, string> { ["format"] = "pt" });
        return path;
    }

    private static InvalidDataException LoadFails(TempDirectory dir, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(dir.Path));
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    [Fact]
    public void Missing_directory_and_missing_files_are_file_not_found_naming_the_path()
    {
        using var dir = new TempDirectory();
        string nowhere = dir.File("no-such-checkpoint");
        Assert.Contains(nowhere, Assert.Throws<FileNotFoundException>(() => ModelCheckpoint.Load(nowhere)).Message);

        string weights = SaveGood(dir, CheckpointFixtures.LlamaTied);
        File.Delete(weights);
        Assert.Contains(ModelCheckpoint.WeightsFileName, Assert.Throws<FileNotFoundException>(() => ModelCheckpoint.Load(dir.Path)).Message);

        SaveGood(dir, CheckpointFixtures.LlamaTied);
        File.Delete(dir.File(ModelCheckpoint.ConfigFileName));
        Assert.Contains(ModelCheckpoint.ConfigFileName, Assert.Throws<FileNotFoundException>(() => ModelCheckpoint.Load(dir.Path)).Message);
    }

    [Theory]
    [InlineData("{ not json", "not a valid model config")]
    [InlineData("""{"model_type":"qwen2","num_attention_heads":4,"num_key_value_heads":3}""", "num_key_value_heads")]
    [InlineData("""{"model_type":"gpt2"}""", "model_type")]
    public void Bad_config_names_config_json_and_the_field(string json, string fragment)
    {
        using var dir = new TempDirectory();
        SaveGood(dir, CheckpointFixtures.Qwen2Untied);
        File.WriteAllText(dir.File(ModelCheckpoint.ConfigFileName), json);
        LoadFails(dir, ModelCheckpoint.ConfigFileName, fragment);
    }

    [Fact]
    public void A_flipped_bit_in_the_data_is_a_checksum_error()
    {
        using var dir = new TempDirectory();
        string path = SaveGood(dir, CheckpointFixtures.Qwen2Untied);
        using (var f = File.Open(path, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Seek(-100, SeekOrigin.End);
            int b = f.ReadByte();
            f.Seek(-1, SeekOrigin.Current);
            f.WriteByte((byte)(b ^ 0x10));
        }
        LoadFails(dir, path, "corrupt: checksum");
    }

    [Fact]
    public void Cut_off_file_is_refused_as_truncated()
    {
        using var dir = new TempDirectory();
        string path = SaveGood(dir, CheckpointFixtures.Qwen2Untied);
        using (var f = File.Open(path, FileMode.Open, FileAccess.ReadWrite)) f.SetLength(f.Length - 6);
        LoadFails(dir, path, "lm_head.weight", "beyond the data section");
    }

    [Fact]
    public void Missing_tensor_is_named_with_its_expected_shape()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.Qwen2Untied;
        var all = new ParameterLayout(config).Parameters;
        string path = WriteCustom(dir, config, all.Where(p => p.Name != "model.layers.1.mlp.up_proj.weight").ToList());
        LoadFails(dir, path, "missing tensor 'model.layers.1.mlp.up_proj.weight'", $"[{config.IntermediateSize}, {config.HiddenSize}]");
    }

    [Fact]
    public void Lm_head_in_a_tied_checkpoint_is_an_unexpected_tensor()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        var layout = new ParameterLayout(config);
        var tensors = layout.Parameters.Append(new ParameterInfo("lm_head.weight", [config.VocabSize, config.HiddenSize], 0)).ToList();
        string path = WriteCustom(dir, config, tensors);
        LoadFails(dir, path, "unexpected tensor 'lm_head.weight'", "tie_word_embeddings");
    }

    [Fact]
    public void Stray_tensor_is_unexpected()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        var tensors = new ParameterLayout(config).Parameters.Append(new ParameterInfo("model.layers.7.extra", [3], 0)).ToList();
        LoadFails(dir, WriteCustom(dir, config, tensors), "unexpected tensor 'model.layers.7.extra'");
    }

    [Fact]
    public void Wrong_shape_names_tensor_expected_and_found()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.Qwen2Untied;
        var tensors = new ParameterLayout(config).Parameters
            .Select(p => p.Name == "model.layers.0.self_attn.k_proj.weight" ? p with { Shape = [p.Shape[1], p.Shape[0]] } : p)
            .ToList();
        string path = WriteCustom(dir, config, tensors);
        int d = config.HiddenSize, kv = config.KvDim;
        Assert.NotEqual(d, kv); // a transposed square matrix would not be a wrong shape
        LoadFails(dir, path, "'model.layers.0.self_attn.k_proj.weight'", $"has shape [{d}, {kv}]", $"expected [{kv}, {d}]");
    }

    [Fact]
    public void Unsupported_dtype_in_a_checkpoint_is_named()
    {
        using var dir = new TempDirectory();
        SaveGood(dir, CheckpointFixtures.LlamaTied);
        string path = dir.File(ModelCheckpoint.WeightsFileName);
        CheckpointFixtures.WriteRaw(path, """{"model.embed_tokens.weight":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}""", 8);
        LoadFails(dir, path, "'model.embed_tokens.weight'", "unsupported dtype 'F64'");
    }

    [Fact]
    public void Config_from_another_save_is_detected()
    {
        using var dir = new TempDirectory();
        SaveGood(dir, CheckpointFixtures.Qwen2Untied);
        File.WriteAllText(dir.File(ModelCheckpoint.ConfigFileName), (CheckpointFixtures.Qwen2Untied with { RopeTheta = 500_000 }).ToJson());
        LoadFails(dir, ModelCheckpoint.ConfigFileName, "not the config these weights were saved with");
    }

    [Fact]
    public void Sixteen_bit_file_written_by_another_tool_loads()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        WriteCustom(dir, config, new ParameterLayout(config).Parameters, DType.Bf16);
        var loaded = ModelCheckpoint.Load(dir.Path);
        Assert.Equal(new ParameterLayout(config).TotalCount, loaded.Weights.Length);
        Assert.False(loaded.Metadata.ContainsKey(ModelCheckpoint.ChecksumKey));
    }
}

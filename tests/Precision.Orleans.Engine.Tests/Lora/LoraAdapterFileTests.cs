using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Tests.Checkpoints;
using Xunit;
using TinyModels = Precision.Orleans.Engine.Tests.Training.TinyModels;

namespace Precision.Orleans.Engine.Tests.Lora;

/// <summary>PEFT-layout adapter directories: bit-identical round trip, and clear errors for files that do not fit.</summary>
public class LoraAdapterFileTests
{
    private static readonly ParameterLayout BaseLayout = new(TinyModels.Qwen2);

    private static (LoraConfig Config, LoraLayout Layout, float[] Weights) Adapter(int rank = 3)
    {
        var config = new LoraConfig { Rank = rank, Alpha = 2 * rank, TargetModules = ["q_proj", "k_proj", "down_proj"], BaseModelNameOrPath = "runs/base" };
        var layout = new LoraLayout(BaseLayout, config);
        var w = LoraTestModels.Adapters(layout, 7);
        w[0] = float.Epsilon; // a subnormal survives bit-for-bit
        return (config, layout, w);
    }

    [Fact]
    public void Save_then_load_is_bit_identical_with_peft_names()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Adapter();
        LoraAdapterFile.Save(dir.Path, config, layout, weights, new Dictionary<string, string> { ["step"] = "12" });
        Assert.True(File.Exists(dir.File("adapter_config.json")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
        var loaded = LoraAdapterFile.Load(dir.Path, BaseLayout);
        Assert.Equal(config, loaded.Config);
        Assert.Equal(layout.TotalCount, loaded.Layout.TotalCount);
        Assert.Equal(weights.Select(BitConverter.SingleToInt32Bits), loaded.Weights.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal("12", loaded.Metadata["step"]);
        Assert.Equal("pt", loaded.Metadata["format"]);
        using var file = SafetensorsFile.Open(dir.File("adapter_model.safetensors"));
        Assert.Contains(file.Tensors, t => t.Name == "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight");
        Assert.Equal(layout.Parameters.Count, file.Tensors.Count);
    }

    [Fact]
    public void A_file_saved_with_another_rank_is_refused_naming_the_tensor()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Adapter(rank: 3);
        LoraAdapterFile.Save(dir.Path, config, layout, weights);
        // the config now says r=2 but the tensors have rank 3
        File.WriteAllText(dir.File("adapter_config.json"), (config with { Rank = 2 }).ToJson());
        var e = Assert.Throws<InvalidDataException>(() => LoraAdapterFile.Load(dir.Path, BaseLayout));
        Assert.Contains("adapter_model.safetensors", e.Message);
        Assert.Contains("lora_A.weight", e.Message);
        Assert.Contains("r=2", e.Message);
    }

    [Fact]
    public void A_missing_tensor_is_refused_naming_it()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Adapter();
        LoraAdapterFile.Save(dir.Path, config, layout, weights);
        // the config also targets v_proj, which the file does not have
        File.WriteAllText(dir.File("adapter_config.json"), (config with { TargetModules = ["q_proj", "k_proj", "v_proj", "down_proj"] }).ToJson());
        var e = Assert.Throws<InvalidDataException>(() => LoraAdapterFile.Load(dir.Path, BaseLayout));
        Assert.Contains("missing tensor 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight'", e.Message);
    }

    [Fact]
    public void An_unexpected_tensor_is_refused_naming_it()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Adapter();
        LoraAdapterFile.Save(dir.Path, config, layout, weights);
        File.WriteAllText(dir.File("adapter_config.json"), (config with { TargetModules = ["q_proj", "k_proj"] }).ToJson());
        var e = Assert.Throws<InvalidDataException>(() => LoraAdapterFile.Load(dir.Path, BaseLayout));
        Assert.Contains("unexpected tensor 'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight'", e.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_the_file()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Adapter();
        LoraAdapterFile.Save(dir.Path, config, layout, weights);
        string path = dir.File("adapter_model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        var e = Assert.Throws<InvalidDataException>(() => LoraAdapterFile.Load(dir.Path, BaseLayout));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_flipped_data_byte_fails_the_checksum()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Adapter();
        LoraAdapterFile.Save(dir.Path, config, layout, weights);
        string path = dir.File("adapter_model.safetensors");
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => LoraAdapterFile.Load(dir.Path, BaseLayout));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Missing_files_and_bad_configs_are_refused()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => LoraAdapterFile.Load(dir.File("nope"), BaseLayout));
        Assert.Throws<FileNotFoundException>(() => LoraAdapterFile.Load(dir.Path, BaseLayout));
        var (config, layout, weights) = Adapter();
        LoraAdapterFile.Save(dir.Path, config, layout, weights);
        File.WriteAllText(dir.File("adapter_config.json"), "{\"r\": 3, \"lora_alpha\": 6, \"lora_dropout\": 0.1}");
        var e = Assert.Throws<InvalidDataException>(() => LoraAdapterFile.Load(dir.Path, BaseLayout));
        Assert.Contains("adapter_config.json", e.Message);
        Assert.Contains("lora_dropout", e.Message);
        Assert.Throws<ArgumentException>(() => LoraAdapterFile.Save(dir.Path, config, layout, new float[3]));
    }
}

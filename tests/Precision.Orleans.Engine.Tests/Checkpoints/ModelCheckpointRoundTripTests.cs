using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

public class ModelCheckpointRoundTripTests
{
    [Theory]
    [InlineData("qwen2-untied")]
    [InlineData("llama-tied")]
    public void Fp32_round_trip_is_bit_identical(string model)
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.ByName(model);
        var layout = new ParameterLayout(config);
        var weights = CheckpointFixtures.RandomWeights(layout, seed: 7);

        ModelCheckpoint.Save(dir.Path, config, layout, weights);
        var loaded = ModelCheckpoint.Load(dir.Path);

        Assert.Equal(config, loaded.Config);
        Assert.Equal(layout.TotalCount, loaded.Layout.TotalCount);
        Assert.Equal(weights.Select(BitConverter.SingleToInt32Bits), loaded.Weights.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData("qwen2-untied", DType.Bf16)]
    [InlineData("qwen2-untied", DType.Fp16)]
    [InlineData("llama-tied", DType.Bf16)]
    [InlineData("llama-tied", DType.Fp16)]
    public void Sixteen_bit_storage_loads_the_rounded_values_at_two_bytes_each(string model, DType storage)
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.ByName(model);
        var layout = new ParameterLayout(config);
        var weights = CheckpointFixtures.RandomWeights(layout, seed: 11);

        ModelCheckpoint.Save(dir.Path, config, layout, weights, storageDType: storage);
        var loaded = ModelCheckpoint.Load(dir.Path);

        var expected = weights.Select(w => DTypeRounding.Round(w, storage)).ToArray();
        Assert.NotEqual(weights, expected); // the rounding must matter, or this test proves nothing
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), loaded.Weights.Select(BitConverter.SingleToInt32Bits));
        using var file = SafetensorsFile.Open(dir.File(ModelCheckpoint.WeightsFileName));
        Assert.Equal(2 * layout.TotalCount, file.DataLength);
        Assert.All(file.Tensors, t => Assert.Equal(storage, t.DType));
    }

    [Fact]
    public void Tied_checkpoint_has_no_lm_head_tensor_and_untied_has_one_with_hf_names_and_shapes()
    {
        using var tied = new TempDirectory();
        using var untied = new TempDirectory();
        foreach (var (dir, config) in new[] { (tied, CheckpointFixtures.LlamaTied), (untied, CheckpointFixtures.Qwen2Untied) })
        {
            var layout = new ParameterLayout(config);
            ModelCheckpoint.Save(dir.Path, config, layout, CheckpointFixtures.RandomWeights(layout, 3));
        }

        using var tiedFile = SafetensorsFile.Open(tied.File(ModelCheckpoint.WeightsFileName));
        Assert.False(tiedFile.TryGetTensor("lm_head.weight", out _));
        Assert.DoesNotContain(tiedFile.Tensors, t => t.Name.Contains("bias", StringComparison.Ordinal));

        using var untiedFile = SafetensorsFile.Open(untied.File(ModelCheckpoint.WeightsFileName));
        var q = CheckpointFixtures.Qwen2Untied;
        Assert.Equal(new long[] { q.VocabSize, q.HiddenSize }, untiedFile["lm_head.weight"].Shape);
        Assert.Equal(new long[] { q.KvDim }, untiedFile["model.layers.1.self_attn.k_proj.bias"].Shape);
        Assert.Equal(new long[] { q.HiddenSize, q.IntermediateSize }, untiedFile["model.layers.0.mlp.down_proj.weight"].Shape);
        // Data order follows the layout, so the file is a straight copy of the parameter buffer.
        Assert.Equal(new ParameterLayout(q).Parameters.Select(p => p.Name), untiedFile.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Metadata_carries_format_checksum_and_the_callers_entries()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        var layout = new ParameterLayout(config);
        var weights = CheckpointFixtures.RandomWeights(layout, 5);
        ModelCheckpoint.Save(dir.Path, config, layout, weights, new Dictionary<string, string> { ["step"] = "42", ["run"] = "bf16-vs-fp16" });

        var loaded = ModelCheckpoint.Load(dir.Path);

        Assert.Equal("pt", loaded.Metadata["format"]);
        Assert.Equal("42", loaded.Metadata["step"]);
        Assert.Equal("bf16-vs-fp16", loaded.Metadata["run"]);
        Assert.Equal(SafetensorsWriter.ComputeDataSha256(weights, layout.Parameters, DType.Fp32), loaded.Metadata[ModelCheckpoint.ChecksumKey]);
        Assert.Matches("^[0-9a-f]{64}$", loaded.Metadata[ModelCheckpoint.ChecksumKey]);
        // The header is padded so the data section starts 8-byte aligned.
        using var file = SafetensorsFile.Open(dir.File(ModelCheckpoint.WeightsFileName));
        Assert.Equal(0, file.DataStart % 8);
    }

    [Fact]
    public void Saving_over_a_checkpoint_replaces_it_and_leaves_no_temporary_files()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.Qwen2Untied;
        var layout = new ParameterLayout(config);
        ModelCheckpoint.Save(dir.Path, config, layout, CheckpointFixtures.RandomWeights(layout, 1));
        var second = CheckpointFixtures.RandomWeights(layout, 2);

        ModelCheckpoint.Save(dir.Path, config, layout, second);

        Assert.Equal(second, ModelCheckpoint.Load(dir.Path).Weights);
        Assert.Equal(
            new[] { ModelCheckpoint.ConfigFileName, ModelCheckpoint.WeightsFileName },
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Save_rejects_reserved_metadata_keys_and_wrong_sized_weights()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        var layout = new ParameterLayout(config);
        var weights = CheckpointFixtures.RandomWeights(layout, 1);

        var reserved = Assert.Throws<ArgumentException>(() =>
            ModelCheckpoint.Save(dir.Path, config, layout, weights, new Dictionary<string, string> { ["precision.sha256"] = "x" }));
        Assert.Contains("precision.sha256", reserved.Message);
        var size = Assert.Throws<ArgumentException>(() => ModelCheckpoint.Save(dir.Path, config, layout, weights.AsSpan(1)));
        Assert.Contains($"{layout.TotalCount}", size.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}

using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Numerics;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>Load → save → load is bit-identical, single-file and sharded; the set is swapped in whole.</summary>
public class HfShardedCheckpointTests
{
    private static readonly Dictionary<string, string> Meta = new() { ["origin"] = "test" };

    private static (ModelConfig Config, ParameterLayout Layout, float[] Weights) Model(string type, int seed)
    {
        var config = HfConfigReaderTests.Sample(type);
        var layout = new ParameterLayout(config);
        return (config, layout, CheckpointFixtures.RandomWeights(layout, seed));
    }

    private static Dictionary<string, byte[]> Files(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    public static TheoryData<string, DType, long?> Cases => new()
    {
        { "qwen2", DType.Bf16, null },
        { "qwen2", DType.Bf16, 3000 },
        { "llama", DType.Fp32, 2500 },
        { "qwen3_moe", DType.Fp16, 4096 },
        { "qwen3_moe", DType.Fp32, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_save_load_is_bit_identical(string type, DType storage, long? maxShard)
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Model(type, 5);
        var options = new HfSaveOptions { StorageDType = storage, MaxShardBytes = maxShard, Metadata = Meta };
        string first = dir.File("first"), second = dir.File("second");
        HfCheckpointWriter.Save(first, config, layout, weights, options);
        if (maxShard is not null)
        {
            Assert.True(File.Exists(Path.Combine(first, SafetensorsIndex.FileName)));
            Assert.False(File.Exists(Path.Combine(first, ModelCheckpoint.WeightsFileName)));
            Assert.True(Directory.GetFiles(first, "model-*-of-*.safetensors").Length >= 3, "the test model must really be split");
        }

        var a = HfCheckpoint.Load(first);
        Assert.Equal(config, a.Config);
        var expected = weights.Select(w => BitConverter.SingleToInt32Bits(DTypeRounding.Round(w, storage)));
        Assert.Equal(expected, a.Weights.Select(BitConverter.SingleToInt32Bits));

        HfCheckpointWriter.Save(second, a.Config, a.Layout, a.Weights, options);
        var firstFiles = Files(first);
        var secondFiles = Files(second);
        Assert.Equal(firstFiles.Keys.Order(), secondFiles.Keys.Order());
        foreach (var (name, bytes) in firstFiles)
            Assert.True(bytes.AsSpan().SequenceEqual(secondFiles[name]), $"re-saved {name} differs");

        var b = HfCheckpoint.Load(second);
        Assert.Equal(a.Weights.Select(BitConverter.SingleToInt32Bits), b.Weights.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(a.WeightFiles.Count, b.WeightFiles.Count);
    }

    [Fact]
    public void Shards_respect_the_size_limit_and_the_index_totals_the_data()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Model("qwen2", 6);
        HfCheckpointWriter.Save(dir.Path, config, layout, weights, new HfSaveOptions { StorageDType = DType.Bf16, MaxShardBytes = 2048 });
        var index = SafetensorsIndex.Read(dir.File(SafetensorsIndex.FileName));
        Assert.Equal(layout.TotalCount * 2, index.TotalSize);
        Assert.Equal(layout.Parameters.Select(p => p.Name).Order(StringComparer.Ordinal), index.WeightMap.Keys.Order(StringComparer.Ordinal));
        int n = index.Files.Count;
        Assert.Equal(Enumerable.Range(0, n).Select(i => SafetensorsIndex.ShardName(i, n)), index.Files);
        foreach (string shard in index.Files)
        {
            using var f = SafetensorsFile.Open(dir.File(shard));
            // Over the limit only when one tensor alone is bigger than the limit.
            Assert.True(f.DataLength <= 2048 || f.Tensors.Count == 1, $"{shard}: {f.DataLength} bytes in {f.Tensors.Count} tensors");
        }
    }

    [Fact]
    public void Saving_over_a_checkpoint_replaces_the_whole_set_and_keeps_other_files()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Model("qwen2", 7);
        HfCheckpointWriter.Save(dir.Path, config, layout, weights, new HfSaveOptions { MaxShardBytes = 1500 });
        int manyShards = Directory.GetFiles(dir.Path, "model-*.safetensors").Length;
        File.WriteAllText(dir.File("tokenizer.json"), "{}");

        var other = CheckpointFixtures.RandomWeights(layout, 8);
        HfCheckpointWriter.Save(dir.Path, config, layout, other, new HfSaveOptions { MaxShardBytes = 6000 });
        int fewerShards = Directory.GetFiles(dir.Path, "model-*.safetensors").Length;
        Assert.True(fewerShards < manyShards, $"{fewerShards} shards after {manyShards}: stale shards were left");
        Assert.Equal("{}", File.ReadAllText(dir.File("tokenizer.json")));
        Assert.Equal(other, HfCheckpoint.Load(dir.Path).Weights);
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(dir.Path)!, $".{Path.GetFileName(dir.Path)}.*"));

        // Single file over the sharded set: the index and shards go, or they would win over model.safetensors.
        HfCheckpointWriter.Save(dir.Path, config, layout, weights);
        Assert.False(File.Exists(dir.File(SafetensorsIndex.FileName)));
        Assert.Empty(Directory.GetFiles(dir.Path, "model-*-of-*.safetensors"));
        Assert.Equal(weights, HfCheckpoint.Load(dir.Path).Weights);
    }

    [Fact]
    public void Hf_written_shards_without_our_checksums_load()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Model("llama", 9);
        File.WriteAllText(dir.File(ModelCheckpoint.ConfigFileName), HfConfigWriter.ToJson(config, DType.Bf16));
        var half = layout.Parameters.Count / 2;
        var shards = new[] { layout.Parameters.Take(half).ToList(), layout.Parameters.Skip(half).ToList() };
        var map = new Dictionary<string, string>();
        for (int s = 0; s < 2; s++)
        {
            string name = SafetensorsIndex.ShardName(s, 2);
            using (var f = File.Create(dir.File(name)))
                SafetensorsWriter.Write(f, weights, shards[s], DType.Bf16, new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var p in shards[s]) map[p.Name] = name;
        }
        File.WriteAllText(dir.File(SafetensorsIndex.FileName), new SafetensorsIndex(layout.TotalCount * 2, map).ToJson());

        var loaded = ModelCheckpoint.Load(dir.Path);
        Assert.Equal(weights.Select(w => DTypeRounding.Round(w, DType.Bf16)), loaded.Weights);
        Assert.Equal(2, loaded.WeightFiles.Count);
    }

    [Fact]
    public void Small_map_chunks_decode_the_same_as_one_view_per_tensor()
    {
        using var dir = new TempDirectory();
        var (config, layout, weights) = Model("qwen2", 10);
        HfCheckpointWriter.Save(dir.Path, config, layout, weights, new HfSaveOptions { StorageDType = DType.Bf16 });
        var whole = HfCheckpoint.Load(dir.Path, new HfLoadOptions { MapChunkBytes = 1L << 30 });
        var chunked = HfCheckpoint.Load(dir.Path, new HfLoadOptions { MapChunkBytes = 6 }); // 3 BF16 values per view
        Assert.Equal(whole.Weights, chunked.Weights);
    }
}

using System.Text.Json.Nodes;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>Each way a sharded HF checkpoint can be wrong gives an error naming the file and the problem, never a partial load.</summary>
public class HfCheckpointErrorTests
{
    /// <summary>A qwen2 checkpoint in three or more BF16 shards; returns the shard paths.</summary>
    private static string[] SaveSharded(TempDirectory dir)
    {
        var config = CheckpointFixtures.Qwen2Untied;
        var layout = new ParameterLayout(config);
        HfCheckpointWriter.Save(dir.Path, config, layout, CheckpointFixtures.RandomWeights(layout, 3),
            new HfSaveOptions { StorageDType = DType.Bf16, MaxShardBytes = 3000 });
        var shards = Directory.GetFiles(dir.Path, "model-*-of-*.safetensors").Order(StringComparer.Ordinal).ToArray();
        Assert.True(shards.Length >= 3);
        return shards;
    }

    private static string IndexPath(TempDirectory dir) => dir.File(SafetensorsIndex.FileName);

    private static void EditIndex(TempDirectory dir, Action<JsonObject> edit)
    {
        var root = (JsonObject)JsonNode.Parse(File.ReadAllText(IndexPath(dir)))!;
        edit(root);
        File.WriteAllText(IndexPath(dir), root.ToJsonString());
    }

    private static TException Fails<TException>(TempDirectory dir, params string[] fragments) where TException : Exception
    {
        var e = Assert.Throws<TException>(() => HfCheckpoint.Load(dir.Path));
        foreach (string f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    [Fact]
    public void Missing_shard_is_named_with_the_index()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        File.Delete(shards[1]);
        Fails<FileNotFoundException>(dir, Path.GetFileName(shards[1]), SafetensorsIndex.FileName, "is missing");
    }

    [Fact]
    public void Truncated_shard_is_refused_naming_the_shard()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        using (var f = File.Open(shards[2], FileMode.Open, FileAccess.ReadWrite)) f.SetLength(f.Length - 10);
        Fails<InvalidDataException>(dir, shards[2], "beyond the data section");
    }

    [Fact]
    public void Shard_cut_inside_its_header_is_refused()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        using (var f = File.Open(shards[0], FileMode.Open, FileAccess.ReadWrite)) f.SetLength(20);
        Fails<InvalidDataException>(dir, shards[0], "header length");
    }

    [Fact]
    public void Header_offsets_beyond_the_file_are_refused()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        CheckpointFixtures.WriteRaw(shards[0], """{"model.embed_tokens.weight":{"dtype":"BF16","shape":[48,16],"data_offsets":[0,1536]}}""", 100);
        Fails<InvalidDataException>(dir, shards[0], "'model.embed_tokens.weight'", "run beyond the data section");
    }

    [Fact]
    public void Overlapping_tensors_are_refused()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        CheckpointFixtures.WriteRaw(shards[0],
            """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24);
        Fails<InvalidDataException>(dir, shards[0], "overlap", "'a'", "'b'");
    }

    [Fact]
    public void Shard_lacking_a_tensor_the_index_lists_is_named()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        string shard = Path.GetFileName(shards[0]);
        EditIndex(dir, root => root["weight_map"]!["model.layers.0.mlp.extra.weight"] = shard);
        Fails<InvalidDataException>(dir, shards[0], "'model.layers.0.mlp.extra.weight'", "does not contain it");
    }

    [Fact]
    public void Tensor_the_index_places_elsewhere_or_omits_is_named()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        EditIndex(dir, root => root["weight_map"]!["model.embed_tokens.weight"] = Path.GetFileName(shards[1]));
        Fails<InvalidDataException>(dir, shards[0], "'model.embed_tokens.weight'", "not this shard");

        EditIndex(dir, root => ((JsonObject)root["weight_map"]!).Remove("model.embed_tokens.weight"));
        Fails<InvalidDataException>(dir, shards[0], "'model.embed_tokens.weight'", "not listed in");
    }

    [Fact]
    public void Index_that_leaves_the_directory_or_miscounts_the_bytes_is_refused()
    {
        using var dir = new TempDirectory();
        SaveSharded(dir);
        EditIndex(dir, root => root["weight_map"]!["model.norm.weight"] = "../elsewhere.safetensors");
        Fails<InvalidDataException>(dir, IndexPath(dir), "not a plain file name");

        SaveSharded(dir);
        EditIndex(dir, root => root["metadata"]!["total_size"] = 12);
        Fails<InvalidDataException>(dir, IndexPath(dir), "total_size is 12");

        File.WriteAllText(IndexPath(dir), "{\"weight_map\": ");
        Fails<InvalidDataException>(dir, IndexPath(dir), "not valid JSON");
    }

    [Fact]
    public void Unsupported_dtype_in_a_shard_is_named()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        CheckpointFixtures.WriteRaw(shards[1], """{"model.norm.weight":{"dtype":"I8","shape":[16],"data_offsets":[0,16]}}""", 16);
        Fails<InvalidDataException>(dir, shards[1], "'model.norm.weight'", "unsupported dtype 'I8'", "F32, F16, BF16");
    }

    [Fact]
    public void Unknown_model_type_in_a_sharded_checkpoint_names_config_json()
    {
        using var dir = new TempDirectory();
        SaveSharded(dir);
        File.WriteAllText(dir.File("config.json"), """{"model_type":"gpt_neox","architectures":["GPTNeoXForCausalLM"]}""");
        Fails<InvalidDataException>(dir, dir.File("config.json"), "'gpt_neox'", "supported: qwen2, llama, qwen3, qwen3_moe");
    }

    [Fact]
    public void Corrupt_byte_in_one_shard_fails_that_shards_checksum()
    {
        using var dir = new TempDirectory();
        var shards = SaveSharded(dir);
        using (var f = File.Open(shards[1], FileMode.Open, FileAccess.ReadWrite))
        {
            f.Seek(-3, SeekOrigin.End);
            int b = f.ReadByte();
            f.Seek(-1, SeekOrigin.Current);
            f.WriteByte((byte)(b ^ 1));
        }
        Fails<InvalidDataException>(dir, shards[1], "corrupt: checksum");
    }

    [Fact]
    public void Tensor_stored_in_two_shards_is_refused()
    {
        using var dir = new TempDirectory();
        var config = CheckpointFixtures.LlamaTied;
        var layout = new ParameterLayout(config);
        var w = CheckpointFixtures.RandomWeights(layout, 4);
        File.WriteAllText(dir.File("config.json"), HfConfigWriter.ToJson(config, DType.Fp32));
        var map = new Dictionary<string, string>();
        for (int s = 0; s < 2; s++)
        {
            string name = SafetensorsIndex.ShardName(s, 2);
            var tensors = s == 0 ? layout.Parameters.ToList() : [layout["model.norm.weight"]];
            using (var f = File.Create(dir.File(name))) SafetensorsWriter.Write(f, w, tensors, DType.Fp32, new Dictionary<string, string>());
            foreach (var p in tensors) map[p.Name] = name;
        }
        File.WriteAllText(IndexPath(dir), new SafetensorsIndex(null, map).ToJson());
        Fails<InvalidDataException>(dir, "'model.norm.weight' is stored twice");
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Precision.Orleans.Engine.Checkpoints;

/// <summary>
/// <c>model.safetensors.index.json</c> of a sharded Hugging Face checkpoint: "metadata" (with "total_size", the
/// bytes of all tensor data) and "weight_map" (tensor name → shard file name in the same directory).
/// </summary>
public sealed record SafetensorsIndex(long? TotalSize, IReadOnlyDictionary<string, string> WeightMap)
{
    public const string FileName = "model.safetensors.index.json";

    /// <summary>Shard file names in their natural (sorted) order.</summary>
    public IReadOnlyList<string> Files => WeightMap.Values.Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>HF's shard name: model-00001-of-00003.safetensors.</summary>
    public static string ShardName(int index, int count) => $"model-{index + 1:D5}-of-{count:D5}.safetensors";

    public static SafetensorsIndex Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors index '{path}' does not exist", path);
        InvalidDataException Bad(string what) => new($"safetensors index '{path}': {what}");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw Bad("the top level must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"safetensors index '{path}': not valid JSON: {e.Message}", e);
        }

        long? total = null;
        if (root["metadata"] is JsonObject meta && meta["total_size"] is JsonNode ts)
            total = ts is JsonValue v && v.TryGetValue(out long t) && t >= 0 ? t
                : ts is JsonValue d && d.TryGetValue(out double td) && td >= 0 && td == Math.Floor(td) ? (long)td
                : throw Bad($"'metadata.total_size' must be a non-negative integer, found {ts.ToJsonString()}");

        if (root["weight_map"] is not JsonObject map) throw Bad("missing object 'weight_map' (tensor name → shard file)");
        var weights = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, file) in map)
        {
            string? f = file is JsonValue fv && fv.TryGetValue(out string? s) ? s : null;
            if (f is null) throw Bad($"weight_map entry '{name}' must be a file name string, found {file?.ToJsonString() ?? "null"}");
            // Shards live next to the index: a path would let an index read files anywhere.
            if (f.Length == 0 || f != Path.GetFileName(f) || f is "." or ".." || f.Contains('\\'))
                throw Bad($"weight_map entry '{name}' names '{f}', which is not a plain file name in the checkpoint directory");
            weights[name] = f;
        }
        if (weights.Count == 0) throw Bad("'weight_map' is empty");
        return new SafetensorsIndex(total, weights);
    }

    public string ToJson()
    {
        var map = new JsonObject();
        foreach (var (name, file) in WeightMap.OrderBy(kv => kv.Key, StringComparer.Ordinal)) map[name] = file;
        var root = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = TotalSize },
            ["weight_map"] = map,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}

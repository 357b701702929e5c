using System.Text.Json;

namespace Precision.Orleans.Engine.Text;

/// <summary>
/// Which tokens are BOS / EOS / PAD: tokenizer.json does not say, tokenizer_config.json does (<c>bos_token</c>,
/// <c>eos_token</c>, <c>pad_token</c>, each a string, an object with <c>content</c>, or null). generation_config.json's
/// <c>eos_token_id</c> (an id or a list) adds stop tokens, as Hugging Face's generate() stops at each of them.
/// </summary>
internal sealed record SpecialTokenNames(string? Bos, string? Eos, string? Pad, IReadOnlyList<int> ExtraStopIds)
{
    public static SpecialTokenNames Read(IReadOnlyDictionary<string, string> files, string directory)
    {
        string? bos = null, eos = null, pad = null;
        if (files.TryGetValue(ByteLevelBpeTokenizer.ConfigFileName, out string? configText))
        {
            string path = Path.Combine(directory, ByteLevelBpeTokenizer.ConfigFileName);
            using var config = ParseObject(configText, path);
            bos = TokenName(config.RootElement, "bos_token", path);
            eos = TokenName(config.RootElement, "eos_token", path);
            pad = TokenName(config.RootElement, "pad_token", path);
        }
        var stops = new List<int>();
        if (files.TryGetValue(ByteLevelBpeTokenizer.GenerationConfigFileName, out string? generationText))
        {
            string path = Path.Combine(directory, ByteLevelBpeTokenizer.GenerationConfigFileName);
            using var generation = ParseObject(generationText, path);
            if (generation.RootElement.TryGetProperty("eos_token_id", out var e))
            {
                var values = e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToList() : [e];
                foreach (var v in values)
                {
                    if (v.ValueKind == JsonValueKind.Null) continue;
                    stops.Add(v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int id)
                        ? id : throw new InvalidDataException($"{path}: eos_token_id must be an integer or a list of integers, got {e.GetRawText()}"));
                }
            }
        }
        return new SpecialTokenNames(bos, eos, pad, stops);
    }

    private static JsonDocument ParseObject(string text, string path)
    {
        try
        {
            var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
            throw new InvalidDataException($"{path}: the top level must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static string? TokenName(JsonElement config, string key, string path)
    {
        if (!config.TryGetProperty(key, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => throw new InvalidDataException($"{path}: {key} must be a string, an object with \"content\", or null; got {v.GetRawText()}"),
        };
    }
}

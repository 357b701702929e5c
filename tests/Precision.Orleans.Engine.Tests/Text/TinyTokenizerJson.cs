using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Text;

namespace Precision.Orleans.Engine.Tests.Text;

/// <summary>A small hand-made Qwen2-style tokenizer.json (256 byte tokens + a few merges + ChatML specials) for unit tests.</summary>
public static class TinyTokenizerJson
{
    public static readonly (string, string)[] DefaultMerges = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("Ġ", "w"), ("o", "r"), ("Ġw", "or"), ("l", "d"), ("Ġwor", "ld")];

    public static JsonObject Build(IEnumerable<(string, string)>? merges = null, string[]? specials = null)
    {
        var vocab = new JsonObject();
        int next = 0;
        for (int b = 0; b < 256; b++) vocab[ByteToUnicode.CharOfByte[b].ToString()] = next++;
        var mergeArray = new JsonArray();
        foreach (var (a, c) in merges ?? DefaultMerges)
        {
            if (!vocab.ContainsKey(a + c)) vocab[a + c] = next++;
            mergeArray.Add(new JsonArray(a, c));
        }
        var added = new JsonArray();
        foreach (string s in specials ?? ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
            added.Add(new JsonObject { ["id"] = next++, ["content"] = s, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = RegexPreTokenizer.Qwen2Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["dropout"] = null, ["byte_fallback"] = false, ["vocab"] = vocab, ["merges"] = mergeArray },
        };
    }

    /// <summary>Writes <paramref name="json"/> (and optionally tokenizer_config.json) into a new temp directory.</summary>
    public static string WriteDirectory(JsonNode json, string? tokenizerConfig = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "tok-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ByteLevelBpeTokenizer.FileName), json.ToJsonString());
        if (tokenizerConfig is not null) File.WriteAllText(Path.Combine(dir, ByteLevelBpeTokenizer.ConfigFileName), tokenizerConfig);
        return dir;
    }
}

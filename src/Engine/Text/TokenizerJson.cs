using System.Text.Json;

namespace Precision.Orleans.Engine.Text;

/// <summary>One entry of tokenizer.json's <c>added_tokens</c>: matched in raw text before pre-tokenisation.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special);

/// <summary>What we take from a Hugging Face tokenizer.json, validated.</summary>
internal sealed record TokenizerDefinition(
    Dictionary<string, int> Vocab,
    List<(string Left, string Right)> Merges,
    List<AddedToken> AddedTokens,
    bool Nfc,
    string PreTokenizerPattern,
    bool IgnoreMerges);

/// <summary>
/// Reads tokenizer.json and refuses, by name, every component or option we do not implement (a Metaspace
/// pre-tokenizer, byte_fallback, a WordPiece model, BPE dropout, …): a tokenizer that silently encodes differently
/// from the one the model was trained with is worse than none.
/// </summary>
internal static class TokenizerJson
{
    public static TokenizerDefinition Parse(string json, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(path, "the top level must be a JSON object");
            var model = Property(root, "model", path) ?? throw Bad(path, "'model' is missing");
            string modelType = StringProperty(model, "type", path, "model.type") ?? "BPE";
            if (modelType != "BPE") throw Bad(path, $"model.type \"{modelType}\" is not supported (only byte-level \"BPE\")");
            CheckBpeOptions(model, path);
            var vocab = ReadVocab(model, path);
            var merges = ReadMerges(model, path);
            bool ignoreMerges = Bool(model, "ignore_merges", path) ?? false;
            var added = ReadAddedTokens(root, path);
            bool nfc = ReadNormalizer(root, path);
            string pattern = ReadPreTokenizer(root, path);
            CheckDecoder(root, path);
            CheckPostProcessor(root, path);
            return new TokenizerDefinition(vocab, merges, added, nfc, pattern, ignoreMerges);
        }
    }

    public static InvalidDataException Bad(string path, string problem) => new($"{path}: {problem}");

    private static void CheckBpeOptions(JsonElement model, string path)
    {
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind != JsonValueKind.Null
            && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
            throw Bad(path, $"model.dropout {dropout.GetRawText()} is not supported (BPE dropout makes encoding random)");
        if (Bool(model, "byte_fallback", path) == true)
            throw Bad(path, "model.byte_fallback = true is not supported (that is a SentencePiece-style BPE, not byte-level)");
        foreach (string key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            string? value = StringProperty(model, key, path, "model." + key);
            if (!string.IsNullOrEmpty(value)) throw Bad(path, $"model.{key} \"{value}\" is not supported");
        }
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model, string path)
    {
        var v = Property(model, "vocab", path);
        if (v is not { ValueKind: JsonValueKind.Object } vocab) throw Bad(path, "model.vocab is missing or not an object");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw Bad(path, $"model.vocab[\"{entry.Name}\"] must be a non-negative integer id, got {entry.Value.GetRawText()}");
            if (!result.TryAdd(entry.Name, id)) throw Bad(path, $"model.vocab has \"{entry.Name}\" twice");
        }
        if (result.Count == 0) throw Bad(path, "model.vocab is empty");
        foreach (char c in ByteToUnicode.CharOfByte)
            if (!result.ContainsKey(c.ToString()))
                throw Bad(path, $"model.vocab lacks the byte-level token \"{c}\" (byte 0x{ByteToUnicode.ByteOfChar[c]:x2}): not a byte-level BPE vocabulary");
        return result;
    }

    private static List<(string, string)> ReadMerges(JsonElement model, string path)
    {
        var m = Property(model, "merges", path);
        if (m is not { ValueKind: JsonValueKind.Array } merges || merges.GetArrayLength() == 0)
            throw Bad(path, "model.merges is missing or empty: a BPE tokenizer needs its merges");
        var result = new List<(string, string)>(merges.GetArrayLength());
        int rank = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            (string, string)? pair = merge.ValueKind switch
            {
                // Older files: "a b" (tokens never contain a space: byte-level maps it to 'Ġ').
                JsonValueKind.String => merge.GetString()!.Split(' ') is [var a, var b] ? (a, b) : null,
                JsonValueKind.Array => merge.GetArrayLength() == 2 && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String
                    ? (merge[0].GetString()!, merge[1].GetString()!) : null,
                _ => null,
            };
            result.Add(pair ?? throw Bad(path, $"model.merges[{rank}] must be \"left right\" or [\"left\", \"right\"], got {merge.GetRawText()}"));
            rank++;
        }
        return result;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var result = new List<AddedToken>();
        var a = Property(root, "added_tokens", path);
        if (a is null) return result;
        if (a.Value.ValueKind != JsonValueKind.Array) throw Bad(path, "added_tokens must be an array");
        int i = 0;
        foreach (var t in a.Value.EnumerateArray())
        {
            string where = $"added_tokens[{i++}]";
            if (t.ValueKind != JsonValueKind.Object) throw Bad(path, $"{where} must be an object");
            if (!t.TryGetProperty("id", out var idElement) || !idElement.TryGetInt32(out int id) || id < 0)
                throw Bad(path, $"{where}.id is missing or not a non-negative integer");
            string content = StringProperty(t, "content", path, where + ".content") is { Length: > 0 } c ? c : throw Bad(path, $"{where}.content is missing or empty");
            foreach (string option in new[] { "single_word", "lstrip", "rstrip" })
                if (Bool(t, option, path) == true)
                    throw Bad(path, $"{where} (\"{content}\"): {option} = true is not supported");
            result.Add(new AddedToken(id, content, Bool(t, "special", path) ?? false));
        }
        return result;
    }

    /// <summary>True for NFC; null or absent for none; anything else is refused.</summary>
    private static bool ReadNormalizer(JsonElement root, string path)
    {
        var n = Property(root, "normalizer", path);
        if (n is null || n.Value.ValueKind == JsonValueKind.Null) return false;
        string type = StringProperty(n.Value, "type", path, "normalizer.type") ?? "";
        if (type == "NFC") return true;
        if (type == "Sequence" && n.Value.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            var types = list.EnumerateArray().Select(x => StringProperty(x, "type", path, "normalizer.normalizers[].type")).ToList();
            if (types.Count == 0) return false;
            if (types is ["NFC"]) return true;
            throw Bad(path, $"normalizer Sequence [{string.Join(", ", types)}] is not supported (only none or NFC)");
        }
        throw Bad(path, $"normalizer type \"{type}\" is not supported (only none or NFC)");
    }

    /// <summary>The split pattern: Sequence[Split(Regex, Isolated), ByteLevel(use_regex: false)] or ByteLevel(use_regex: true).</summary>
    private static string ReadPreTokenizer(JsonElement root, string path)
    {
        var p = Property(root, "pre_tokenizer", path);
        if (p is null || p.Value.ValueKind == JsonValueKind.Null) throw Bad(path, "pre_tokenizer is missing (a byte-level BPE needs ByteLevel)");
        string type = StringProperty(p.Value, "type", path, "pre_tokenizer.type") ?? "";
        if (type == "ByteLevel")
        {
            CheckByteLevel(p.Value, path, "pre_tokenizer");
            return Bool(p.Value, "use_regex", path) ?? true ? RegexPreTokenizer.Gpt2Pattern
                : throw Bad(path, "pre_tokenizer ByteLevel with use_regex = false and no Split before it is not supported");
        }
        if (type != "Sequence") throw Bad(path, $"pre_tokenizer type \"{type}\" is not supported (ByteLevel, or Sequence[Split, ByteLevel])");
        if (!p.Value.TryGetProperty("pretokenizers", out var list) || list.ValueKind != JsonValueKind.Array)
            throw Bad(path, "pre_tokenizer.pretokenizers is missing");
        var items = list.EnumerateArray().ToList();
        var types = items.Select(x => StringProperty(x, "type", path, "pre_tokenizer.pretokenizers[].type") ?? "?").ToList();
        if (types is not ["Split", "ByteLevel"])
            throw Bad(path, $"pre_tokenizer Sequence [{string.Join(", ", types)}] is not supported (only [Split, ByteLevel])");
        var split = items[0];
        string? behavior = StringProperty(split, "behavior", path, "Split.behavior");
        if (behavior != "Isolated") throw Bad(path, $"pre_tokenizer Split behavior \"{behavior}\" is not supported (only Isolated)");
        if (Bool(split, "invert", path) == true) throw Bad(path, "pre_tokenizer Split invert = true is not supported");
        if (!split.TryGetProperty("pattern", out var pattern) || pattern.ValueKind != JsonValueKind.Object
            || !pattern.TryGetProperty("Regex", out var regex) || regex.ValueKind != JsonValueKind.String)
            throw Bad(path, "pre_tokenizer Split pattern must be {\"Regex\": \"...\"}");
        CheckByteLevel(items[1], path, "pre_tokenizer ByteLevel");
        if (Bool(items[1], "use_regex", path) ?? true)
            throw Bad(path, "pre_tokenizer ByteLevel after a Split must have use_regex = false");
        string patternText = regex.GetString()!;
        try
        {
            _ = new System.Text.RegularExpressions.Regex(patternText);
        }
        catch (ArgumentException e)
        {
            throw Bad(path, $"pre_tokenizer Split regex is not valid: {e.Message}");
        }
        return patternText;
    }

    private static void CheckByteLevel(JsonElement byteLevel, string path, string where)
    {
        if (Bool(byteLevel, "add_prefix_space", path) == true) throw Bad(path, $"{where}: add_prefix_space = true is not supported");
    }

    private static void CheckDecoder(JsonElement root, string path)
    {
        var d = Property(root, "decoder", path);
        if (d is null || d.Value.ValueKind == JsonValueKind.Null) return;
        string type = StringProperty(d.Value, "type", path, "decoder.type") ?? "";
        if (type != "ByteLevel") throw Bad(path, $"decoder type \"{type}\" is not supported (only ByteLevel)");
    }

    /// <summary>
    /// ByteLevel (offsets only) and TemplateProcessing (Llama-3's BOS) are accepted: BOS is added by
    /// <c>Encode(addBos)</c> or by the chat template, never implicitly.
    /// </summary>
    private static void CheckPostProcessor(JsonElement root, string path)
    {
        var p = Property(root, "post_processor", path);
        if (p is null || p.Value.ValueKind == JsonValueKind.Null) return;
        string type = StringProperty(p.Value, "type", path, "post_processor.type") ?? "";
        if (type is not ("ByteLevel" or "TemplateProcessing" or "Sequence"))
            throw Bad(path, $"post_processor type \"{type}\" is not supported (ByteLevel or TemplateProcessing)");
    }

    private static JsonElement? Property(JsonElement e, string name, string path) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : null;

    private static string? StringProperty(JsonElement e, string name, string path, string what)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(path, $"{what} must be a string, got {v.GetRawText()}");
    }

    private static bool? Bool(JsonElement e, string name, string path)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(path, $"'{name}' must be true or false, got {v.GetRawText()}"),
        };
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Tests.Shared;

/// <summary>
/// The files of the tiny random policies that the RL, grains and client tests train: one definition, compiled into
/// each of those test projects as a linked source file (tests/Shared).
/// </summary>
internal static class TinyPolicyFiles
{
    /// <summary>A 1-layer, hidden-16 random policy over the characters of one-digit sums, with its char tokenizer.</summary>
    public static void WriteCharPolicy(string modelDir, int seed)
    {
        var tokenizer = new CharTokenizer("0123456789+= ");
        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = 320,   // room for the run spec's default max_new_tokens (256) after a prompt
            BosTokenId = CharTokenizer.BosId,
            EosTokenId = CharTokenizer.EosId,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed);
        ModelCheckpoint.Save(modelDir, config, engine.Layout, engine.MasterWeights);
        tokenizer.Save(modelDir);
    }

    /// <summary>Twelve one-digit sums "a+b=" (a = i mod 5, b = i mod <paramref name="secondModulus"/>) as JSONL.</summary>
    public static void WriteSums(string path, int secondModulus) =>
        File.WriteAllLines(path, Enumerable.Range(0, 12).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"{{\"prompt\": \"{i % 5}+{i % secondModulus}=\", \"answer\": \"{i % 5 + i % secondModulus}\"}}")));

    /// <summary>
    /// Replaces whatever is in <paramref name="modelDir"/> by a random policy over a small byte-level BPE
    /// (tokenizer.json with ChatML specials); <paramref name="extraVocabRows"/> pads the model's vocabulary past the
    /// tokenizer's ids, as Hugging Face models do.
    /// </summary>
    public static void WriteByteLevelPolicy(string modelDir, int extraVocabRows, int maxPositions)
    {
        foreach (string f in Directory.GetFiles(modelDir)) File.Delete(f);
        var vocab = new JsonObject();
        int next = 0;
        foreach (char c in ByteAlphabet()) vocab[c.ToString()] = next++;
        var merges = new JsonArray();
        foreach (var (a, b) in new[] { ("1", "+"), ("2", "+"), ("+", "1"), ("=", "Ċ") })
        {
            vocab[a + b] = next++;
            merges.Add(new JsonArray(a, b));
        }
        var added = new JsonArray();
        foreach (string special in new[] { "<|endoftext|>", "<|im_start|>", "<|im_end|>" })
            added.Add(new JsonObject { ["id"] = next++, ["content"] = special, ["special"] = true });
        var json = new JsonObject
        {
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = merges },
        };
        File.WriteAllText(Path.Combine(modelDir, ByteLevelBpeTokenizer.FileName), json.ToJsonString());
        File.WriteAllText(Path.Combine(modelDir, ByteLevelBpeTokenizer.ConfigFileName), """{"bos_token": null, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}""");
        var config = new ModelConfig
        {
            VocabSize = next + extraVocabRows,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = maxPositions,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 11);
        ModelCheckpoint.Save(modelDir, config, engine.Layout, engine.MasterWeights);
    }

    /// <summary>GPT-2's byte alphabet, written here from its definition (the engine's copy is internal).</summary>
    private static IEnumerable<char> ByteAlphabet()
    {
        int extra = 0;
        for (int b = 0; b < 256; b++)
            yield return (b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE) ? (char)b : (char)(256 + extra++);
    }
}

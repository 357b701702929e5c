using System.Globalization;
using System.Text.Json.Nodes;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// A temp directory with a tiny random policy (model + tokenizer), a JSONL set of one-digit sums and a run spec with
/// absolute paths (a submitted spec is resolved on the silos, not where it was written).
/// </summary>
internal sealed class TinyRlRun : IDisposable
{
    public TinyRlRun()
    {
        Root = Path.Combine(Path.GetTempPath(), "rl-grains-" + Guid.NewGuid().ToString("N")[..10]);
        ModelDir = Path.Combine(Root, "model");
        var tokenizer = new CharTokenizer("0123456789+= ");
        var config = new ModelConfig
        {
            VocabSize = tokenizer.VocabSize,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = 64,
            BosTokenId = CharTokenizer.BosId,
            EosTokenId = CharTokenizer.EosId,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 7);
        ModelCheckpoint.Save(ModelDir, config, engine.Layout, engine.MasterWeights);
        tokenizer.Save(ModelDir);
        ProblemsPath = Path.Combine(Root, "problems.jsonl");
        File.WriteAllLines(ProblemsPath, Enumerable.Range(0, 12).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $"{{\"prompt\": \"{i % 5}+{i % 3}=\", \"answer\": \"{i % 5 + i % 3}\"}}")));
    }

    public string Root { get; }
    public string ModelDir { get; }
    public string ProblemsPath { get; }

    /// <summary>fp16 training with loss scaling, fp16 rollouts: the paper's setting, at toy size.</summary>
    public string Yaml(int iterations = 3, int checkpointEvery = 1, int prompts = 4, string algorithm = "pg-seq-is", int maxNewTokens = 10) => $"""
        name: tiny-grains
        seed: 11
        model: {ModelDir}
        data:
          problems: {ProblemsPath}
        algorithm:
          name: {algorithm}
        precision:
          train: fp16
          rollout: fp16
        batch:
          prompts: {prompts}
          group_size: 4
          mini_batches: 2
          micro_batch_sequences: 4
        rollout:
          max_new_tokens: {maxNewTokens}
        optimizer:
          lr: 0.01
        schedule:
          iterations: {iterations}
          checkpoint_every: {checkpointEvery}
          keep_checkpoints: 2
        """;

    /// <summary>
    /// Replaces the char model with one over a small Hugging Face byte-level BPE with ChatML specials (no BOS, EOS
    /// &lt;|im_end|&gt;): the run then takes the chat-template path and stops at &lt;|im_end|&gt;.
    /// </summary>
    public void UseByteLevelTokenizer()
    {
        foreach (string f in Directory.GetFiles(ModelDir)) File.Delete(f);
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
        File.WriteAllText(Path.Combine(ModelDir, ByteLevelBpeTokenizer.FileName), json.ToJsonString());
        File.WriteAllText(Path.Combine(ModelDir, ByteLevelBpeTokenizer.ConfigFileName), """{"bos_token": null, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}""");
        var config = new ModelConfig
        {
            // Exactly the tokenizer's ids: a random policy over an HF-padded vocabulary samples ids no tokenizer can decode.
            VocabSize = next,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = 128,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 11);
        ModelCheckpoint.Save(ModelDir, config, engine.Layout, engine.MasterWeights);
    }

    /// <summary>GPT-2's byte alphabet, from its definition: printable bytes map to themselves, the rest to 256 + n.</summary>
    private static IEnumerable<char> ByteAlphabet()
    {
        int extra = 0;
        for (int b = 0; b < 256; b++)
            yield return (b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE) ? (char)b : (char)(256 + extra++);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

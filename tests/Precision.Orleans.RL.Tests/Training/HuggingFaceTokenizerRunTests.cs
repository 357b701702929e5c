using System.Text.Json.Nodes;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

/// <summary>The RL loop and the sampler through the tokenizer seam with a Hugging Face tokenizer.json (ChatML specials).</summary>
public sealed class HuggingFaceTokenizerRunTests
{
    /// <summary>Replaces the tiny run's char model with one over a small byte-level BPE (vocab padded past the tokenizer, as HF does).</summary>
    private static void UseByteLevelModel(TinyRun run)
    {
        foreach (string f in Directory.GetFiles(run.ModelDir)) File.Delete(f);
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
        foreach (string s in new[] { "<|endoftext|>", "<|im_start|>", "<|im_end|>" })
            added.Add(new JsonObject { ["id"] = next++, ["content"] = s, ["special"] = true });
        var json = new JsonObject
        {
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = merges },
        };
        File.WriteAllText(Path.Combine(run.ModelDir, ByteLevelBpeTokenizer.FileName), json.ToJsonString());
        File.WriteAllText(Path.Combine(run.ModelDir, ByteLevelBpeTokenizer.ConfigFileName), """{"bos_token": null, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}""");
        var config = new ModelConfig
        {
            VocabSize = next + 5,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = 96,
        };
        var engine = new TrainingEngine(config, new TrainingOptions(), null, seed: 11);
        ModelCheckpoint.Save(run.ModelDir, config, engine.Layout, engine.MasterWeights);
    }

    /// <summary>GPT-2's byte alphabet, written here from its definition (the engine's copy is internal).</summary>
    private static IEnumerable<char> ByteAlphabet()
    {
        int extra = 0;
        for (int b = 0; b < 256; b++)
            yield return (b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE) ? (char)b : (char)(256 + extra++);
    }

    [Fact]
    public void The_sampler_wraps_prompts_in_chatml_and_stops_at_im_end()
    {
        using var run = new TinyRun();
        UseByteLevelModel(run);
        var sampler = PolicySampler.Load(run.ModelDir, DType.Fp32);
        Assert.IsType<ByteLevelBpeTokenizer>(sampler.Tokenizer);
        Assert.Equal("chatml", sampler.Prompts.Template.Name);
        int imStart = sampler.Tokenizer.TokenToId("<|im_start|>")!.Value, imEnd = sampler.Tokenizer.TokenToId("<|im_end|>")!.Value;
        Assert.Equal(imStart, sampler.Prompts.Encode("1+2=")[0]);
        Assert.Contains(imEnd, sampler.Prompts.StopTokens);
        var problems = new[] { new RL.Tasks.Problem("p0", "1+2=", "3"), new RL.Tasks.Problem("p1", "2+1=", "3") };
        var accuracy = sampler.Measure(problems, new RL.Tasks.MathAnswerVerifier(), new PolicySamplingOptions { SamplesPerProblem = 2, MaxNewTokens = 8 });
        Assert.Equal(2, accuracy.Count);

        var none = PolicySampler.Load(run.ModelDir, DType.Fp32, chatTemplate: "none");
        Assert.Equal(none.Tokenizer.Encode("1+2="), none.Prompts.Encode("1+2=")); // no BOS in this tokenizer, no template
    }

    [Fact]
    public void An_rl_run_trains_and_checkpoints_with_a_hugging_face_tokenizer()
    {
        using var run = new TinyRun();
        UseByteLevelModel(run);
        var spec = run.Spec(run.Yaml(iterations: 1));
        var summary = new RlTrainer(spec, run.RunDir()).Run();
        Assert.Equal(1, summary.Iterations);
        var checkpoint = new CheckpointStore(run.RunDir()).List().Single().Path;
        Assert.True(File.Exists(Path.Combine(checkpoint, ByteLevelBpeTokenizer.FileName)));
        Assert.Equal(File.ReadAllText(Path.Combine(run.ModelDir, ByteLevelBpeTokenizer.ConfigFileName)),
            File.ReadAllText(Path.Combine(checkpoint, ByteLevelBpeTokenizer.ConfigFileName)));
        Assert.IsType<ByteLevelBpeTokenizer>(TokenizerLoader.Load(checkpoint));
    }
}

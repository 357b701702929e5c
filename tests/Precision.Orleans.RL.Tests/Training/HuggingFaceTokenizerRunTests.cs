using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Evaluation;
using Precision.Orleans.RL.Training;
using Precision.Orleans.Tests.Shared;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

/// <summary>The RL loop and the sampler through the tokenizer seam with a Hugging Face tokenizer.json (ChatML specials).</summary>
public sealed class HuggingFaceTokenizerRunTests
{
    /// <summary>Replaces the tiny run's char model with one over a small byte-level BPE (vocab padded past the tokenizer, as HF does).</summary>
    private static void UseByteLevelModel(TinyRun run) =>
        TinyPolicyFiles.WriteByteLevelPolicy(run.ModelDir, extraVocabRows: 5, maxPositions: 96);

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

using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Rollout;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Rollout;

public class RolloutGenerateTests
{
    private static readonly SamplingOptions Sampled = new() { Temperature = 1f, MaxNewTokens = 12, Seed = 42 };

    [Fact]
    public void Same_seed_gives_the_same_output_and_another_seed_a_different_one()
    {
        var engine = TinyModels.Engine(DType.Bf16);
        var prompts = TinyModels.Prompts(5, engine.Config.VocabSize, 1);
        var a = engine.Generate(prompts, Sampled);
        var b = engine.Generate(prompts, Sampled);
        var c = engine.Generate(prompts, Sampled with { Seed = 43 });
        Assert.Equal(a.Select(s => s.Tokens), b.Select(s => s.Tokens));
        Assert.Equal(a.Select(s => s.LogProbs), b.Select(s => s.LogProbs));
        Assert.NotEqual(a.SelectMany(s => s.Tokens), c.SelectMany(s => s.Tokens));
    }

    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Fp16)]
    public void Results_do_not_depend_on_batch_composition(DType dt)
    {
        // Seven prompts decoded 64 at a time with whole-prompt prefill, then: 3 at a time (slots reused
        // mid-run) fed token by token, 1 at a time, and all together with prompts split into partial chunks.
        var config = TinyModels.Config();
        var master = TinyModels.Weights(config, 1);
        var prompts = TinyModels.Prompts(7, config.VocabSize, 2);
        RolloutEngine Engine(int batch, int tokens)
        {
            var e = new RolloutEngine(config, dt, batch) { MaxBatchedTokens = tokens };
            e.LoadWeights(master, 0);
            return e;
        }
        var wide = Engine(64, 256).Generate(prompts, Sampled);
        foreach (var (batch, tokens) in new[] { (3, 1), (1, 256), (64, 10) })
        {
            var narrow = Engine(batch, tokens).Generate(prompts, Sampled);
            for (int i = 0; i < prompts.Length; i++)
            {
                Assert.Equal(prompts[i], narrow[i].PromptTokens);
                Assert.Equal(wide[i].Tokens, narrow[i].Tokens);
                Assert.Equal(wide[i].Finish, narrow[i].Finish);
                for (int t = 0; t < wide[i].LogProbs.Length; t++) Assert.Equal(wide[i].LogProbs[t], narrow[i].LogProbs[t], 1e-5f);
            }
        }
        // A single prompt alone is sequence 0 of its call, as it was in the batch.
        var alone = Engine(64, 256).Generate([prompts[0]], Sampled);
        Assert.Equal(wide[0].Tokens, alone[0].Tokens);
    }

    [Fact]
    public void Sequence_streams_give_each_prompt_the_stream_it_has_in_a_contiguous_call()
    {
        // Two prompt groups of 2 coalesced out of order (streams 4,5 then 0,1) draw what each draws alone from
        // FirstSequenceIndex 4 and 0; the same prompts at streams 0..3 draw something else.
        var engine = TinyModels.Engine(DType.Fp16);
        var prompts = TinyModels.Prompts(2, engine.Config.VocabSize, 3);
        int[][] coalesced = [prompts[1], prompts[1], prompts[0], prompts[0]];
        var together = engine.Generate(coalesced, Sampled with { SequenceStreams = [4, 5, 0, 1] });
        var second = engine.Generate([prompts[1], prompts[1]], Sampled with { FirstSequenceIndex = 4 });
        var first = engine.Generate([prompts[0], prompts[0]], Sampled);
        var expected = second.Concat(first).ToArray();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i].Tokens, together[i].Tokens);
            Assert.Equal(expected[i].LogProbs, together[i].LogProbs);
        }
        var contiguous = engine.Generate(coalesced, Sampled);
        Assert.NotEqual(together.SelectMany(s => s.Tokens), contiguous.SelectMany(s => s.Tokens));
        var e = Assert.Throws<ArgumentException>(() => engine.Generate(coalesced, Sampled with { SequenceStreams = [0, 1] }));
        Assert.Contains("2 sequence streams for 4 prompts", e.Message);
    }

    [Fact]
    public void Greedy_equals_top_k_one_and_log_probs_are_proper()
    {
        var engine = TinyModels.Engine(DType.Fp32);
        var prompts = TinyModels.Prompts(4, engine.Config.VocabSize, 3);
        var greedy = engine.Generate(prompts, new SamplingOptions { Temperature = 0, MaxNewTokens = 10 });
        var topOne = engine.Generate(prompts, new SamplingOptions { Temperature = 0.7f, TopK = 1, MaxNewTokens = 10, Seed = 9 });
        var tinyNucleus = engine.Generate(prompts, new SamplingOptions { Temperature = 1.5f, TopP = 1e-6f, MaxNewTokens = 10, Seed = 9 });
        Assert.Equal(greedy.Select(s => s.Tokens), topOne.Select(s => s.Tokens));
        Assert.Equal(greedy.Select(s => s.Tokens), tinyNucleus.Select(s => s.Tokens));
        foreach (var s in greedy)
        {
            Assert.Equal(10, s.Tokens.Length);
            Assert.Equal(FinishReason.Length, s.Finish);
            Assert.All(s.LogProbs, lp => Assert.InRange(lp, -20f, 0f));
        }
    }

    [Fact]
    public void Stop_token_ends_a_sequence_and_is_kept()
    {
        var engine = TinyModels.Engine(DType.Bf16);
        var prompts = TinyModels.Prompts(6, engine.Config.VocabSize, 4);
        var free = engine.Generate(prompts, Sampled with { MaxNewTokens = 20 });
        // Stop at the token the first sequence emits third: it must end right there.
        int stop = free[0].Tokens[2];
        var stopped = engine.Generate(prompts, Sampled with { MaxNewTokens = 20, StopTokens = [stop] });
        for (int i = 0; i < prompts.Length; i++)
        {
            int first = Array.IndexOf(free[i].Tokens, stop);
            if (first < 0)
            {
                Assert.Equal(free[i].Tokens, stopped[i].Tokens);
                Assert.Equal(FinishReason.Length, stopped[i].Finish);
            }
            else
            {
                Assert.Equal(free[i].Tokens[..(first + 1)], stopped[i].Tokens);
                Assert.Equal(FinishReason.Stop, stopped[i].Finish);
            }
        }
        Assert.True(stopped[0].Tokens.Length <= 3);
    }

    [Fact]
    public void Model_context_is_a_hard_limit()
    {
        var config = TinyModels.Config(maxPositions: 10);
        var engine = TinyModels.Engine(DType.Fp16, config);
        var result = engine.Generate([[1, 2, 3, 4, 5, 6, 7]], Sampled with { MaxNewTokens = 50 });
        Assert.Equal(3, result[0].Tokens.Length);
        Assert.Equal(FinishReason.Length, result[0].Finish);
        Assert.Equal(10, result[0].FullSequence().Length);
        var e = Assert.Throws<ArgumentException>(() => engine.Generate([new int[10]], Sampled));
        Assert.Contains("context", e.Message);
    }

    [Fact]
    public void Bad_input_is_rejected_with_a_clear_message()
    {
        var config = TinyModels.Config(type: "llama", tied: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutEngine(config, DType.Bf16, maxBatchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutEngine(config, DType.Bf16) { MaxBatchedTokens = 0 });
        var engine = new RolloutEngine(config, DType.Bf16);
        var noWeights = Assert.Throws<InvalidOperationException>(() => engine.Generate([[1]], Sampled));
        Assert.Contains("no weights loaded", noWeights.Message);
        engine.LoadWeights(TinyModels.Weights(config, 5), 3);
        Assert.Contains("prompt 1 is empty", Assert.Throws<ArgumentException>(() => engine.Generate([[1], []], Sampled)).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => engine.Generate([[1, 96]], Sampled)).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => engine.Generate([[-1]], Sampled)).Message);
        Assert.Throws<ArgumentException>(() => engine.Generate([[1]], Sampled with { TopP = 0 }));
        Assert.Contains("elements", Assert.Throws<ArgumentException>(() => engine.LoadWeights(new float[7], 4)).Message);
        Assert.Equal(3, engine.WeightVersion); // the failed load changed nothing
        Assert.Empty(engine.Generate([], Sampled));
        Assert.Single(engine.Generate([[1, 2]], Sampled));
    }

    [Fact]
    public void Weight_sync_sets_the_version_hashes_the_master_weights_and_changes_the_policy()
    {
        var config = TinyModels.Config();
        var engine = new RolloutEngine(config, DType.Bf16);
        Assert.Equal(-1, engine.WeightVersion);
        var master = TinyModels.Weights(config, 6);
        var v0 = WeightSync.Publish(master, 0, engine);
        Assert.Equal(0, engine.WeightVersion);
        Assert.Equal(new WeightVersion(0, WeightSync.WeightHash(master)), v0);
        Assert.Matches("^[0-9a-f]{64}$", v0.ContentHash);
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = 8 };
        var before = engine.Generate([[1, 2, 3]], greedy)[0];

        master[123] += 0.5f;
        master[^1] *= -1f;
        var v1 = WeightSync.Publish(master, 1, engine);
        Assert.Equal(1, engine.WeightVersion);
        Assert.NotEqual(v0.ContentHash, v1.ContentHash);
        Assert.Equal(v1.ContentHash, WeightSync.WeightHash((float[])master.Clone()));
        var after = engine.Generate([[1, 2, 3]], greedy)[0];
        Assert.NotEqual(before.LogProbs, after.LogProbs);
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Weights_are_held_in_the_dtype_so_pre_rounded_masters_give_identical_rollouts(DType dt)
    {
        var config = TinyModels.Config();
        var master = TinyModels.Weights(config, 8);
        var preRounded = master.Select(v => Precision.Orleans.Engine.Numerics.DTypeRounding.Round(v, dt)).ToArray();
        var a = new RolloutEngine(config, dt);
        var b = new RolloutEngine(config, dt);
        a.LoadWeights(master, 0);
        b.LoadWeights(preRounded, 0);
        var prompts = TinyModels.Prompts(3, config.VocabSize, 8);
        var ra = a.Generate(prompts, Sampled);
        var rb = b.Generate(prompts, Sampled);
        Assert.Equal(ra.Select(s => s.Tokens), rb.Select(s => s.Tokens));
        Assert.Equal(ra.Select(s => s.LogProbs), rb.Select(s => s.LogProbs));
        // ...while the FP32 engine on the unrounded master is a different policy.
        var full = new RolloutEngine(config, DType.Fp32);
        full.LoadWeights(master, 0);
        Assert.NotEqual(ra.SelectMany(s => s.LogProbs), full.Generate(prompts, Sampled).SelectMany(s => s.LogProbs));
    }
}

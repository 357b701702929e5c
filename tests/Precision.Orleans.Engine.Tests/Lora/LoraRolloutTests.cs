using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;
using RolloutModels = Precision.Orleans.Engine.Tests.Rollout.TinyModels;

namespace Precision.Orleans.Engine.Tests.Lora;

/// <summary>The rollout engine with LoRA adapters, merged and unmerged, against the training engine.</summary>
public class LoraRolloutTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(LoraRolloutMode.Merged, true, "qwen2")]
    [InlineData(LoraRolloutMode.Unmerged, true, "qwen2")]
    [InlineData(LoraRolloutMode.Unmerged, false, "llama")]
    public void In_fp32_rollout_with_adapters_matches_the_training_engine(LoraRolloutMode mode, bool tied, string type)
    {
        var config = RolloutModels.Config(tied, type);
        var master = RolloutModels.Weights(config, 21);
        var trainer = new TrainingEngine(config, new TrainingOptions { ComputeDType = DType.Fp32, Lora = LoraTestModels.AllModules(rank: 4, alpha: 8) }, master);
        var adapters = trainer.Adapters!;
        // an adapter that has moved (B ≠ 0), big enough to change the greedy tokens of the base model
        LoraTestModels.Adapters(adapters.Layout, 9, 0.15).CopyTo(adapters.Weights, 0);
        trainer.RefreshAdapterComputeWeights();

        var rollout = new RolloutEngine(config, DType.Fp32);
        var version = WeightSync.Publish(master, adapters.Layout, adapters.Weights, mode, 3, rollout);
        Assert.Equal(mode, rollout.AdapterMode);
        Assert.Equal(3, rollout.WeightVersion);
        Assert.NotEqual(WeightSync.WeightHash(master), version.ContentHash);

        var prompts = RolloutModels.Prompts(4, config.VocabSize, 21);
        var rollouts = rollout.Generate(prompts, new SamplingOptions { Temperature = 0, MaxNewTokens = 24 });
        var batch = TokenBatch.FromSequences([.. rollouts.Select(r => r.FullSequence())], [.. rollouts.Select(r => r.PromptTokens.Length)]);
        var logPi = trainer.ComputeLogProbs(batch);
        var logits = trainer.ComputeLogits(batch);
        int T = batch.SeqLen, V = config.VocabSize;
        double worst = 0;
        for (int b = 0; b < rollouts.Count; b++)
            for (int i = 0; i < rollouts[b].Tokens.Length; i++)
            {
                int pos = rollouts[b].PromptTokens.Length + i;
                Assert.Equal(rollouts[b].Tokens[i], TokenSampler.ArgMax(logits.AsSpan((b * T + pos - 1) * V, V)));
                double gap = Math.Abs(logPi[b * T + pos] - rollouts[b].LogProbs[i]);
                worst = Math.Max(worst, gap);
                Assert.True(gap < 1e-5, $"sequence {b} token {i}: log π {logPi[b * T + pos]} vs log μ {rollouts[b].LogProbs[i]}");
            }
        output.WriteLine($"{mode} {type}: max |log π − log μ| = {worst:E2}");

        // and the adapter matters: the base model alone decodes something else
        var plain = new RolloutEngine(config, DType.Fp32);
        plain.LoadWeights(master, 0);
        Assert.Null(plain.AdapterMode);
        var baseRollouts = plain.Generate(prompts, new SamplingOptions { Temperature = 0, MaxNewTokens = 24 });
        Assert.Contains(Enumerable.Range(0, rollouts.Count), b => !rollouts[b].Tokens.SequenceEqual(baseRollouts[b].Tokens));
    }

    [Theory]
    [InlineData(LoraRolloutMode.Merged, "all")] // experts' adapters merged into their weights
    [InlineData(LoraRolloutMode.Unmerged, "attention")]
    public void In_fp32_moe_rollout_with_adapters_matches_the_training_engine(LoraRolloutMode mode, string targets)
    {
        var config = Precision.Orleans.Engine.Tests.Rollout.MoeTinyModels.Qwen3Moe();
        var master = RolloutModels.Weights(config, 31);
        var lora = targets == "all" ? LoraTestModels.AllModules(rank: 4, alpha: 8)
            : new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] };
        var layout = new LoraLayout(new ParameterLayout(config), lora);
        var adapters = LoraTestModels.Adapters(layout, 12, 0.15);
        var trainer = new TrainingEngine(config, new TrainingOptions { ComputeDType = DType.Fp32, Lora = lora }, master, adapterWeights: adapters);
        var rollout = new RolloutEngine(config, DType.Fp32);
        rollout.LoadWeights(master, layout, adapters, mode, 0);
        var rollouts = rollout.Generate(RolloutModels.Prompts(3, config.VocabSize, 31), new SamplingOptions { Temperature = 0, MaxNewTokens = 16 });
        var batch = TokenBatch.FromSequences([.. rollouts.Select(r => r.FullSequence())], [.. rollouts.Select(r => r.PromptTokens.Length)]);
        var logPi = trainer.ComputeLogProbs(batch);
        double worst = 0;
        for (int b = 0; b < rollouts.Count; b++)
            for (int i = 0; i < rollouts[b].Tokens.Length; i++)
                worst = Math.Max(worst, Math.Abs(logPi[b * batch.SeqLen + rollouts[b].PromptTokens.Length + i] - rollouts[b].LogProbs[i]));
        output.WriteLine($"qwen3_moe {mode} ({targets}): max |log π − log μ| = {worst:E2}");
        Assert.True(worst < 1e-5, $"max gap {worst}");
    }

    [Fact]
    public void Unmerged_adapters_on_experts_are_refused_clearly()
    {
        var config = Precision.Orleans.Engine.Tests.Rollout.MoeTinyModels.Qwen3Moe();
        var layout = new LoraLayout(new ParameterLayout(config), LoraTestModels.AllModules());
        var rollout = new RolloutEngine(config, DType.Bf16);
        var e = Assert.Throws<NotSupportedException>(() =>
            rollout.LoadWeights(RolloutModels.Weights(config, 1), layout, new float[layout.TotalCount], LoraRolloutMode.Unmerged, 0));
        Assert.Contains("experts", e.Message);
        Assert.Contains("merged", e.Message);
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void In_16_bit_merged_and_unmerged_both_stay_close_to_the_training_engine(DType dtype)
    {
        var config = RolloutModels.Config();
        var master = RolloutModels.Weights(config, 22);
        var layout = new LoraLayout(new ParameterLayout(config), LoraTestModels.AllModules(rank: 4, alpha: 8));
        var adapters = LoraTestModels.Adapters(layout, 10, 0.15);
        var trainer = new TrainingEngine(config, new TrainingOptions { ComputeDType = dtype, Lora = layout.Config }, master, adapterWeights: adapters);
        var prompts = RolloutModels.Prompts(3, config.VocabSize, 22);
        foreach (var mode in new[] { LoraRolloutMode.Merged, LoraRolloutMode.Unmerged })
        {
            var rollout = new RolloutEngine(config, dtype);
            rollout.LoadWeights(master, layout, adapters, mode, 0);
            var rollouts = rollout.Generate(prompts, new SamplingOptions { Temperature = 1, MaxNewTokens = 16, Seed = 3 });
            var batch = TokenBatch.FromSequences([.. rollouts.Select(r => r.FullSequence())], [.. rollouts.Select(r => r.PromptTokens.Length)]);
            var logPi = trainer.ComputeLogProbs(batch);
            double sum = 0;
            int count = 0;
            for (int b = 0; b < rollouts.Count; b++)
                for (int i = 0; i < rollouts[b].Tokens.Length; i++, count++)
                    sum += Math.Abs(logPi[b * batch.SeqLen + rollouts[b].PromptTokens.Length + i] - rollouts[b].LogProbs[i]);
            double mean = sum / count;
            output.WriteLine($"{dtype} {mode}: mean |log π − log μ| = {mean:E2} over {count} tokens");
            Assert.True(mean < (dtype == DType.Bf16 ? 0.1 : 0.02), $"{dtype} {mode}: mean gap {mean}");
        }
    }

    [Fact]
    public void Loading_plain_weights_drops_the_adapters()
    {
        var config = RolloutModels.Config();
        var master = RolloutModels.Weights(config, 23);
        var layout = new LoraLayout(new ParameterLayout(config), LoraTestModels.AllModules());
        var rollout = new RolloutEngine(config, DType.Fp32);
        var prompts = RolloutModels.Prompts(2, config.VocabSize, 4);
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = 8 };
        rollout.LoadWeights(master, 0);
        var plain = rollout.Generate(prompts, greedy);
        rollout.LoadWeights(master, layout, LoraTestModels.Adapters(layout, 1, 0.3), LoraRolloutMode.Unmerged, 1);
        rollout.LoadWeights(master, 2);
        Assert.Null(rollout.AdapterMode);
        var again = rollout.Generate(prompts, greedy);
        for (int b = 0; b < plain.Count; b++) Assert.Equal(plain[b].LogProbs, again[b].LogProbs);
    }

    [Fact]
    public void Weight_hash_covers_base_and_adapters()
    {
        var base1 = new float[] { 1, 2, 3 };
        var a1 = new float[] { 4, 5 };
        Assert.Equal(WeightSync.WeightHash(base1, a1), WeightSync.WeightHash(base1, (float[])a1.Clone()));
        Assert.NotEqual(WeightSync.WeightHash(base1, a1), WeightSync.WeightHash(base1, [4, 6]));
        Assert.NotEqual(WeightSync.WeightHash(base1, a1), WeightSync.WeightHash([1, 2, 4], a1));
    }

    [Fact]
    public void Adapters_for_another_model_are_refused()
    {
        var config = RolloutModels.Config();
        var other = new LoraLayout(new ParameterLayout(RolloutModels.Config(tied: false)), LoraTestModels.AllModules());
        var rollout = new RolloutEngine(config, DType.Fp32);
        var e = Assert.Throws<ArgumentException>(() => rollout.LoadWeights(RolloutModels.Weights(config, 1), other, new float[other.TotalCount], LoraRolloutMode.Merged, 0));
        Assert.Contains("different model config", e.Message);
    }
}

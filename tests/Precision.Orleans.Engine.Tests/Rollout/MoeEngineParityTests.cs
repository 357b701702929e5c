using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Analysis;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>
/// Acceptance for qwen3 and qwen3_moe: the rollout engine (grouped-by-expert MoE, fused q/k norm + rotary) and the
/// training engine (per-expert loop, unfused ops) compute the same policy and the same routing in FP32; in 16 bit
/// they route some tokens differently, bf16 more often than fp16.
/// </summary>
public class MoeEngineParityTests(ITestOutputHelper output)
{
    private static (IReadOnlyList<RolloutSequence> Rollouts, float[] LogPi, float[] Logits, TokenBatch Batch, RoutingMismatch? Routing)
        RolloutAndRescore(string model, DType dtype, SamplingOptions options, int prompts, int seed)
    {
        var config = MoeTinyModels.Of(model);
        var master = TinyModels.Weights(config, seed);
        var rollout = new RolloutEngine(config, dtype);
        WeightSync.Publish(master, 0, rollout);
        var rollouts = rollout.Generate(TinyModels.Prompts(prompts, config.VocabSize, seed), options);
        var trainer = new TrainingEngine(config, new TrainingOptions { ComputeDType = dtype }, (float[])master.Clone());
        var batch = TokenBatch.FromSequences([.. rollouts.Select(r => r.FullSequence())], [.. rollouts.Select(r => r.PromptTokens.Length)]);
        var logits = trainer.ComputeLogits(batch);
        var logPi = trainer.ComputeLogProbs(batch);
        RoutingMismatch? routing = config.IsMoe
            ? RoutingMismatch.Compute([.. rollouts.Select(r => r.Routing!)], trainer.LastRouting!,
                [.. rollouts.Select(r => r.PromptTokens.Length)], [.. rollouts.Select(r => r.PromptTokens.Length + r.Tokens.Length)])
            : null;
        return (rollouts, logPi, logits, batch, routing);
    }

    [Theory]
    [InlineData("qwen3")]
    [InlineData("qwen3_moe")]
    [InlineData("qwen3_moe_unnormalised")]
    public void In_fp32_greedy_tokens_match_log_probs_agree_within_1e5_and_routing_is_identical(string model)
    {
        var config = MoeTinyModels.Of(model);
        var (rollouts, logPi, logits, batch, routing) = RolloutAndRescore(model, DType.Fp32,
            new SamplingOptions { Temperature = 0, MaxNewTokens = 40 }, prompts: 5, seed: 31);
        int T = batch.SeqLen, V = config.VocabSize;
        double worst = 0;
        for (int b = 0; b < rollouts.Count; b++)
            for (int i = 0; i < rollouts[b].Tokens.Length; i++)
            {
                int pos = rollouts[b].PromptTokens.Length + i;
                Assert.Equal(rollouts[b].Tokens[i], TokenSampler.ArgMax(logits.AsSpan((b * T + pos - 1) * V, V)));
                double gap = Math.Abs(logPi[b * T + pos] - rollouts[b].LogProbs[i]);
                worst = Math.Max(worst, gap);
                Assert.True(gap < 1e-5, $"{model} sequence {b} token {i}: log π {logPi[b * T + pos]} vs log μ {rollouts[b].LogProbs[i]}");
            }
        output.WriteLine($"{model} fp32: max |log π − log μ| = {worst:E2}; routing mismatch {routing?.Overall.ToString() ?? "n/a"} over {routing?.Tokens} tokens");
        if (config.IsMoe)
        {
            Assert.True(routing!.Tokens > 100);
            Assert.Equal(0, routing.Overall);
        }
    }

    [Fact]
    public void In_16_bit_the_engines_route_some_tokens_differently_and_bf16_more_than_fp16()
    {
        var options = new SamplingOptions { Temperature = 1f, MaxNewTokens = 32, Seed = 5 };
        var bf16 = RolloutAndRescore("qwen3_moe", DType.Bf16, options, prompts: 48, seed: 32).Routing!;
        var fp16 = RolloutAndRescore("qwen3_moe", DType.Fp16, options, prompts: 48, seed: 32).Routing!;
        output.WriteLine($"routing mismatch: bf16 {bf16.Overall:P2} (any layer {bf16.AnyLayer:P2}), fp16 {fp16.Overall:P2} (any layer {fp16.AnyLayer:P2}) over {bf16.Tokens} / {fp16.Tokens} tokens");
        Assert.True(bf16.Overall > 0, "bf16 engines never route differently");
        Assert.True(bf16.Overall > fp16.Overall, $"bf16 routing mismatch {bf16.Overall:P2} should exceed fp16's {fp16.Overall:P2}");
    }
}

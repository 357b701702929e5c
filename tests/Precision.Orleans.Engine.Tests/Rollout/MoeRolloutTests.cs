using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Rollout;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>
/// The rollout engine's qwen3 q/k norm and MoE block against an FP64 forward written from the maths, the routing
/// record it returns, and its independence from chunked prefill and batching.
/// </summary>
public class MoeRolloutTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("qwen3")]
    [InlineData("qwen3_moe")]
    [InlineData("qwen3_moe_unnormalised")]
    public void Fp32_rollout_matches_the_fp64_reference_in_log_probs_and_expert_choice(string model)
    {
        var config = MoeTinyModels.Of(model);
        var weights = TinyModels.Weights(config, seed: 3);
        var engine = new RolloutEngine(config, DType.Fp32);
        engine.LoadWeights(weights, 0);
        var rollouts = engine.Generate(TinyModels.Prompts(4, config.VocabSize, seed: 4), new SamplingOptions { Temperature = 0, MaxNewTokens = 20 });

        double worst = 0;
        int compared = 0, nearTies = 0;
        foreach (var r in rollouts)
        {
            var full = r.FullSequence();
            var reference = Fp64Qwen3Reference.Forward(config, weights, full);
            for (int i = 0; i < r.Tokens.Length; i++)
            {
                double gap = Math.Abs(reference.LogProbs[r.PromptTokens.Length + i] - r.LogProbs[i]);
                worst = Math.Max(worst, gap);
                Assert.True(gap < 2e-5, $"{model} token {i}: log μ {r.LogProbs[i]} vs FP64 {reference.LogProbs[r.PromptTokens.Length + i]}");
            }
            if (!config.IsMoe)
            {
                Assert.Null(r.Routing);
                continue;
            }
            var routing = Assert.IsType<Model.ExpertRouting>(r.Routing);
            Assert.Equal(full.Length - 1, routing.Positions);
            Assert.Equal(reference.RouterProbs.Count, routing.MoeLayers);
            int e = config.NumExperts, k = config.NumExpertsPerToken;
            for (int l = 0; l < routing.MoeLayers; l++)
                for (int p = 0; p < routing.Positions; p++)
                {
                    var probs = reference.RouterProbs[l].AsSpan(p * e, e);
                    // FP32 vs FP64 may legitimately flip a top-k choice whose probabilities tie to float precision.
                    if (Fp64Qwen3Reference.Margin(probs, k) < 1e-5) { nearTies++; continue; }
                    Assert.Equal(Fp64Qwen3Reference.TopK(probs, k), routing.At(l, p).ToArray());
                    compared++;
                }
        }
        output.WriteLine($"{model}: max |log μ − log p64| = {worst:E2}; routing compared at {compared} (layer, position) pairs, {nearTies} near ties skipped");
        if (config.IsMoe) Assert.True(compared > 100 && nearTies <= compared / 20, $"compared {compared}, near ties {nearTies}");
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Routing_and_tokens_do_not_depend_on_chunked_prefill_or_batch_composition(DType dtype)
    {
        var config = MoeTinyModels.Qwen3Moe();
        var weights = TinyModels.Weights(config, seed: 5);
        var rng = new Random(6);
        // Long prompts so that chunked prefill splits them across steps.
        var prompts = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, rng.Next(10, 30)).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToArray();
        var options = new SamplingOptions { Temperature = 1, MaxNewTokens = 16, Seed = 7 };
        IReadOnlyList<RolloutSequence> Run(int batch, int tokens)
        {
            var engine = new RolloutEngine(config, dtype, batch) { MaxBatchedTokens = tokens };
            engine.LoadWeights(weights, 0);
            return engine.Generate(prompts, options);
        }

        var oneByOne = Run(batch: 1, tokens: 1);
        var chunked = Run(batch: 3, tokens: 8);
        var wide = Run(batch: 8, tokens: 256);
        foreach (var other in new[] { chunked, wide })
            for (int s = 0; s < prompts.Length; s++)
            {
                Assert.Equal(oneByOne[s].Tokens, other[s].Tokens);
                Assert.Equal(oneByOne[s].LogProbs, other[s].LogProbs);
                var a = oneByOne[s].Routing!;
                var b = other[s].Routing!;
                Assert.Equal(a.Positions, b.Positions);
                for (int l = 0; l < a.MoeLayers; l++)
                    for (int p = 0; p < a.Positions; p++) Assert.True(a.SameSet(b, l, p), $"sequence {s} layer {l} position {p}");
            }
    }

    [Fact]
    public void Sixteen_bit_rollouts_route_some_tokens_differently_from_fp32_and_bf16_more_than_fp16()
    {
        var config = MoeTinyModels.Qwen3Moe();
        var weights = TinyModels.Weights(config, seed: 8);
        var prompts = TinyModels.Prompts(48, config.VocabSize, seed: 9);
        var fp32 = new RolloutEngine(config, DType.Fp32);
        fp32.LoadWeights(weights, 0);
        // Force each dtype's tokens through the FP32 engine's routing by comparing routing of the same sequences:
        // decode greedily in 16 bit, then re-run the FP32 engine on those exact sequences as prompts.
        double Flips(DType dtype)
        {
            var engine = new RolloutEngine(config, dtype);
            engine.LoadWeights(weights, 0);
            var rollouts = engine.Generate(prompts, new SamplingOptions { Temperature = 1, MaxNewTokens = 24, Seed = 1 });
            var replay = fp32.Generate([.. rollouts.Select(r => r.FullSequence())], new SamplingOptions { Temperature = 0, MaxNewTokens = 1 });
            long differ = 0, total = 0;
            for (int s = 0; s < rollouts.Count; s++)
            {
                var a = rollouts[s].Routing!;
                var b = replay[s].Routing!;
                for (int l = 0; l < a.MoeLayers; l++)
                    for (int p = 0; p < a.Positions; p++, total++)
                        if (!a.SameSet(b, l, p)) differ++;
            }
            return differ / (double)total;
        }
        double bf16 = Flips(DType.Bf16), fp16 = Flips(DType.Fp16);
        output.WriteLine($"routing differs from fp32 on {bf16:P2} (bf16) and {fp16:P2} (fp16) of (layer, position) pairs");
        Assert.True(bf16 > 0, "bf16 routing never differs from fp32");
        Assert.True(bf16 > fp16, $"bf16 flips {bf16:P2} should exceed fp16 flips {fp16:P2}");
    }
}

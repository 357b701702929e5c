using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Rollout;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Engine.Tests.Rollout;

/// <summary>The FP32 rollout engine against an independent PyTorch transcription of the HF forward.</summary>
public class TorchReferenceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(true, "qwen2")]
    [InlineData(false, "llama")]
    public void Fp32_greedy_rollout_matches_pytorch_tokens_and_log_probs(bool tied, string modelType)
    {
        var config = TinyModels.Config(tied, modelType);
        var master = TinyModels.Weights(config, 31);
        var engine = new RolloutEngine(config, DType.Fp32);
        engine.LoadWeights(master, 0);
        var rollouts = engine.Generate(TinyModels.Prompts(4, config.VocabSize, 31), new SamplingOptions { Temperature = 0, MaxNewTokens = 70 });
        var reference = TorchRolloutReference.Score(config, master, [.. rollouts.Select(r => r.FullSequence())]);
        double worst = 0;
        for (int b = 0; b < rollouts.Count; b++)
        {
            var r = rollouts[b];
            for (int i = 0; i < r.Tokens.Length; i++)
            {
                int t = r.PromptTokens.Length + i - 1; // reference index of the position predicting token i
                Assert.Equal(reference[b].ArgMax[t], r.Tokens[i]);
                double gap = Math.Abs(reference[b].LogProbs[t] - r.LogProbs[i]);
                worst = Math.Max(worst, gap);
                Assert.True(gap < 1e-5, $"sequence {b} token {i}: torch {reference[b].LogProbs[t]} vs rollout {r.LogProbs[i]}");
            }
        }
        output.WriteLine($"fp32 max |log p_torch − log μ| = {worst:E2}");
    }
}

using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Gpu.Tests;

/// <summary>
/// Whole engines on the device kernel set against the same engines on the CPU kernel set: a tiny Qwen2 (GQA, q/k/v
/// biases), FP32 per-position log-probabilities and every parameter gradient within 1e-4 relative; the rollout engine's
/// greedy tokens identical.
/// </summary>
[Collection(SimulatedDeviceCollection.Name)]
public sealed class EngineParityTests(SimulatedDevice device)
{
    private static readonly ModelConfig Tiny = new()
    {
        VocabSize = 24, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 32,
    };

    private static TokenBatch Batch() => TokenBatch.FromSequences([[1, 5, 9, 3, 7, 2], [4, 4, 8, 1]]);

    [Fact]
    public void Training_engine_log_probs_and_gradients_match_the_cpu_engine_in_fp32()
    {
        var cpu = new TrainingEngine(Tiny, new TrainingOptions(), seed: 3);
        var gpu = new TrainingEngine(Tiny, new TrainingOptions { Kernels = device.Kernels }, (float[])cpu.MasterWeights.Clone());
        var batch = Batch();
        var lpc = cpu.Forward(batch);
        var lpg = gpu.Forward(batch);
        Compare.Close(lpc, lpg, 1e-4f, "log p", floor: 1e-2f);
        var dl = new float[lpc.Length];
        for (int i = 0; i < dl.Length; i++) dl[i] = -1f / dl.Length;
        cpu.Backward(dl);
        gpu.Backward(dl);
        float max = 0f;
        foreach (float g in cpu.Gradients) max = MathF.Max(max, MathF.Abs(g));
        Assert.True(max > 0f, "the reference gradients are all zero");
        Compare.Close(cpu.Gradients, gpu.Gradients, 1e-4f, "gradients", floor: 1e-3f * max);
    }

    [Fact]
    public void Training_engine_bf16_log_probs_stay_within_bf16_tolerance()
    {
        var options = new TrainingOptions { ComputeDType = DType.Bf16 };
        var cpu = new TrainingEngine(Tiny, options, seed: 4);
        var gpu = new TrainingEngine(Tiny, options with { Kernels = device.Kernels }, (float[])cpu.MasterWeights.Clone());
        var batch = Batch();
        Compare.Close(cpu.ComputeLogProbs(batch), gpu.ComputeLogProbs(batch), 0.05f, "bf16 log p", floor: 0.1f);
    }

    [Fact]
    public void A_whole_fp32_training_step_moves_the_weights_as_on_the_cpu()
    {
        // ε = 1e-3: Adam's first step is g/(|g| + ε), which for ε = 1e-8 turns a near-zero gradient's last-bit difference
        // into a whole step; a larger ε keeps the update proportional to the gradient so the comparison measures the kernels
        var options = new TrainingOptions { Optimizer = new AdamWOptions { LearningRate = 1e-2f, MaxGradNorm = 0.5f, Epsilon = 1e-3f } };
        var cpu = new TrainingEngine(Tiny, options, seed: 6);
        var gpu = new TrainingEngine(Tiny, options with { Kernels = device.Kernels }, (float[])cpu.MasterWeights.Clone());
        var before = (float[])cpu.MasterWeights.Clone();
        var a = cpu.TrainLanguageModelStep(Batch());
        var b = gpu.TrainLanguageModelStep(Batch());
        Assert.True(a.Step.Applied && b.Step.Applied);
        Assert.Equal(a.Loss, b.Loss, 1e-5f * MathF.Abs(a.Loss));
        Assert.Equal(a.Step.GradNorm, b.Step.GradNorm, 1e-4f * a.Step.GradNorm);
        float moved = 0f;
        for (int i = 0; i < before.Length; i++) moved = MathF.Max(moved, MathF.Abs(cpu.MasterWeights[i] - before[i]));
        Assert.True(moved > 1e-3f, $"the step barely moved the weights ({moved})");
        Compare.Close(cpu.MasterWeights, gpu.MasterWeights, 1e-4f, "weights after one step", floor: 1e-2f);
    }

    [Fact]
    public void An_fp16_overflow_skips_the_step_and_backs_the_scale_off_on_both_kernel_sets()
    {
        // a loss scale of 2^40 overflows fp16's dlogits: GradScaler's check must see it on the device too
        var options = new TrainingOptions { ComputeDType = DType.Fp16, LossScaler = new LossScalerOptions { InitialScale = 1099511627776f } };
        var cpu = new TrainingEngine(Tiny, options, seed: 7);
        var gpu = new TrainingEngine(Tiny, options with { Kernels = device.Kernels }, (float[])cpu.MasterWeights.Clone());
        var before = (float[])gpu.MasterWeights.Clone();
        var a = cpu.TrainLanguageModelStep(Batch()).Step;
        var b = gpu.TrainLanguageModelStep(Batch()).Step;
        Assert.False(a.Applied);
        Assert.Equal(a, b with { GradNorm = a.GradNorm });
        Assert.Equal(549755813888f, gpu.LossScaler.Scale);
        Compare.BitExact(before, gpu.MasterWeights, "weights after a skipped step");
    }

    [Fact]
    public void Rollout_engine_greedy_and_sampled_tokens_are_identical_in_fp32()
    {
        var weights = new float[new ParameterLayout(Tiny).TotalCount];
        new ParameterLayout(Tiny).InitializeRandom(weights, 5);
        var cpu = new RolloutEngine(Tiny, DType.Fp32, 2);
        var gpu = new RolloutEngine(Tiny, DType.Fp32, 2, device.Kernels);
        cpu.LoadWeights(weights, 1);
        gpu.LoadWeights(weights, 1);
        int[][] prompts = [[1, 2, 3], [7, 6]];
        foreach (var options in new[]
        {
            new SamplingOptions { Temperature = 0f, MaxNewTokens = 6 },
            new SamplingOptions { Temperature = 1f, TopP = 0.9f, MaxNewTokens = 6, Seed = 11 },
        })
        {
            var a = cpu.Generate(prompts, options);
            var b = gpu.Generate(prompts, options);
            for (int i = 0; i < prompts.Length; i++)
            {
                Assert.Equal(a[i].Tokens, b[i].Tokens);
                Compare.Close(a[i].LogProbs, b[i].LogProbs, 1e-4f, "rollout log p", floor: 1e-2f);
            }
        }
    }
}

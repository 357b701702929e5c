using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Training;

public class LanguageModelStepTests
{
    [Theory]
    [InlineData(DType.Fp32)]
    [InlineData(DType.Fp16)]
    [InlineData(DType.Bf16)]
    public void Repeated_batch_loss_falls_over_twenty_steps(DType dtype)
    {
        var options = new TrainingOptions { ComputeDType = dtype, Optimizer = new AdamWOptions { LearningRate = 1e-2f } };
        var engine = new TrainingEngine(TinyModels.Qwen2, options, seed: 7);
        var batch = TinyModels.Batch();
        var first = engine.TrainLanguageModelStep(batch);
        Assert.Equal(7, first.Tokens);
        Assert.InRange(first.Loss, 2.0f, 4.0f); // ≈ ln 17 from a small random init
        LanguageModelStepResult last = first;
        int applied = first.Step.Applied ? 1 : 0;
        for (int s = 1; s < 20; s++)
        {
            last = engine.TrainLanguageModelStep(batch);
            if (last.Step.Applied) applied++;
        }
        Assert.True(applied >= 18, $"only {applied} of 20 steps applied");
        Assert.True(last.Loss < 0.5f * first.Loss, $"{dtype}: loss {first.Loss} -> {last.Loss}");
    }

    [Theory]
    [InlineData(1e-3f)]
    [InlineData(1e6f)]
    public void Gradient_clipping_scales_the_gradient_to_max_norm_like_clip_grad_norm(float maxNorm)
    {
        var options = new TrainingOptions { Optimizer = new AdamWOptions { MaxGradNorm = maxNorm } };
        var engine = new TrainingEngine(TinyModels.Qwen2, options, seed: 8);
        var step = engine.TrainLanguageModelStep(TinyModels.Batch()).Step;
        Assert.True(step.Applied);
        Assert.InRange(step.GradNorm, 1e-2f, 1e3f);
        // After one step Adam's first moment is (1 − β1)·g_clipped, so its norm shows the gradient the optimizer saw.
        float seen = System.Numerics.Tensors.TensorPrimitives.Norm(engine.Optimizer.M) / (1f - options.Optimizer.Beta1);
        float expected = Math.Min(step.GradNorm, maxNorm);
        Assert.InRange(seen / expected, 0.999f, 1.001f);
    }

    [Fact]
    public void A_batch_without_targets_is_rejected()
    {
        var engine = new TrainingEngine(TinyModels.Qwen2, new TrainingOptions());
        var e = Assert.Throws<ArgumentException>(() => engine.TrainLanguageModelStep(new TokenBatch(1, 2, [1, 2], [0f, 0f], [2])));
        Assert.Contains("no target tokens", e.Message);
    }
}

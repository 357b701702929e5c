using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Training;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>Dynamic loss scaling in FP16: overflow skips the step and backs off; clean steps grow the scale.</summary>
public class LossScalingTests
{
    [Fact]
    public void Fp16_overflow_skips_step_halves_scale_and_leaves_weights_bit_identical_then_clean_steps_grow_scale()
    {
        const int growthInterval = 3;
        var options = new TrainingOptions
        {
            ComputeDType = DType.Fp16,
            LossScaler = new LossScalerOptions { InitialScale = MathF.Pow(2, 40), GrowthInterval = growthInterval },
        };
        var engine = new TrainingEngine(TinyModels.Qwen2, options, seed: 3);
        Assert.True(engine.LossScaler.Enabled);
        var batch = TinyModels.Batch();
        var before = (float[])engine.MasterWeights.Clone();

        // The scaled dlogp·(onehot − softmax) passes fp16's max (65504) in the dlogits themselves.
        engine.Forward(batch);
        engine.Backward(batch.TargetMask.Select(m => -m / 7f).ToArray());
        Assert.Contains(engine.Activations!.Logits, float.IsInfinity);
        Assert.True(LossScaler.HasNonFinite(engine.Gradients));
        engine.ZeroGradients();

        var r = engine.TrainLanguageModelStep(batch);
        Assert.False(r.Step.Applied);
        Assert.Equal(MathF.Pow(2, 40), r.Step.LossScale);
        Assert.Equal(MathF.Pow(2, 39), r.Step.NextLossScale);
        Assert.Equal(MathF.Pow(2, 39), engine.LossScaler.Scale);
        Assert.Equal(1, engine.LossScaler.SkippedSteps);
        Assert.Equal(0, engine.Optimizer.StepCount);
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(BitConverter.SingleToUInt32Bits(before[i]), BitConverter.SingleToUInt32Bits(engine.MasterWeights[i]));
        Assert.All(engine.Gradients, g => Assert.Equal(0f, g));

        // a sane scale: growthInterval clean steps double it, and each of them updates the weights
        engine.LossScaler.Restore(1024f, 0, engine.LossScaler.SkippedSteps);
        for (int s = 0; s < growthInterval; s++)
        {
            var step = engine.TrainLanguageModelStep(batch).Step;
            Assert.True(step.Applied, $"clean step {s} was skipped");
            Assert.True(float.IsFinite(step.GradNorm) && step.GradNorm > 0);
            Assert.Equal(1024f, step.LossScale);
            Assert.Equal(s == growthInterval - 1 ? 2048f : 1024f, step.NextLossScale);
        }
        Assert.Equal(2048f, engine.LossScaler.Scale);
        Assert.Equal(growthInterval, engine.Optimizer.StepCount);
        Assert.Contains(Enumerable.Range(0, before.Length), i => before[i] != engine.MasterWeights[i]);
    }

    [Fact]
    public void Scaled_fp16_gradients_are_unscaled_before_the_update()
    {
        // The same tiny model, once with scale 1 and once with 2^10: the unscaled gradient norms agree closely.
        float Norm(float scale)
        {
            var options = new TrainingOptions
            {
                ComputeDType = DType.Fp16,
                LossScaler = new LossScalerOptions { Enabled = true, InitialScale = scale },
            };
            var engine = new TrainingEngine(TinyModels.Qwen2, options, TinyModels.Weights(new Model.ParameterLayout(TinyModels.Qwen2), 5));
            return engine.TrainLanguageModelStep(TinyModels.Batch()).Step.GradNorm;
        }
        float a = Norm(1f), b = Norm(1024f);
        Assert.True(float.IsFinite(a) && a > 0);
        Assert.InRange(b / a, 0.99f, 1.01f);
    }
}

using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Engine.Tests.Parity;

/// <summary>
/// The project's acceptance criterion: on the same random weights and tokens, the FP32 training
/// engine's logits, per-token log-probs and every parameter gradient match an independent PyTorch
/// implementation within 1e-4 relative (‖a − b‖∞ / ‖b‖∞ per tensor), and three AdamW steps
/// (with clip_grad_norm_) give the same losses within 1e-5.
/// </summary>
public class PyTorchParityTests(TorchReferenceFixture torch, ITestOutputHelper output) : IClassFixture<TorchReferenceFixture>
{
    private const double RelativeTolerance = 1e-4;
    private const double LossTolerance = 1e-5;

    public static TheoryData<string> Cases => new(TorchReferenceFixture.CaseNames);

    private static TrainingEngine Engine(ParityCase c) =>
        new(c.Config, new TrainingOptions { ComputeDType = DType.Fp32, Optimizer = c.Optimizer }, (float[])c.InitialWeights.Clone());

    /// <summary>‖a − b‖∞ / ‖b‖∞; fails outright on length mismatch or a non-finite value.</summary>
    private static double RelativeInf(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, string what)
    {
        Assert.True(actual.Length == expected.Length, $"{what}: {actual.Length} values, PyTorch has {expected.Length}");
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{what}[{i}] is {actual[i]}");
            diff = Math.Max(diff, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        Assert.True(scale > 0, $"{what}: PyTorch's values are all zero, so the comparison would prove nothing");
        return diff / scale;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fp32_logits_and_logprobs_match_pytorch(string name)
    {
        var (c, t) = torch.Get(name);
        var engine = Engine(c);

        double logits = RelativeInf(engine.ComputeLogits(c.Batch), t.Logits, "logits");
        double logprobs = RelativeInf(engine.Forward(c.Batch), t.LogProbs, "logprobs");
        output.WriteLine($"{name} (torch {t.TorchVersion}): logits rel {logits:E2}, logprobs rel {logprobs:E2}");

        Assert.True(logits <= RelativeTolerance, $"{name}: logits differ from PyTorch by {logits:E3} relative (limit {RelativeTolerance:E0})");
        Assert.True(logprobs <= RelativeTolerance, $"{name}: log-probs differ from PyTorch by {logprobs:E3} relative (limit {RelativeTolerance:E0})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fp32_gradient_of_every_parameter_tensor_matches_pytorch(string name)
    {
        var (c, t) = torch.Get(name);
        var engine = Engine(c);
        engine.ZeroGradients();
        engine.Forward(c.Batch);
        float maskSum = c.Batch.TargetMask.Sum();
        engine.Backward(c.Batch.TargetMask.Select(m => -m / maskSum).ToArray());

        var failures = new List<string>();
        double worst = 0;
        foreach (var p in engine.Layout.Parameters)
        {
            var span = new Range((int)p.Offset, (int)(p.Offset + p.Count));
            double rel = RelativeInf(engine.Gradients.AsSpan(span), t.Gradients.AsSpan(span), $"grad {p.Name}");
            worst = Math.Max(worst, rel);
            if (rel > RelativeTolerance) failures.Add($"{p.Name}: {rel:E3}");
        }
        output.WriteLine($"{name}: {engine.Layout.Parameters.Count} gradient tensors, worst rel {worst:E2}");
        Assert.True(failures.Count == 0, $"{name}: gradients differ from PyTorch beyond {RelativeTolerance:E0} relative:\n" + string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Three_adamw_steps_with_clipping_give_pytorchs_losses(string name)
    {
        var (c, t) = torch.Get(name);
        Assert.Equal(c.Steps, t.Losses.Length);
        var engine = Engine(c);

        for (int step = 0; step < c.Steps; step++)
        {
            var result = engine.TrainLanguageModelStep(c.Batch);
            Assert.True(result.Step.Applied, $"{name}: step {step + 1} was skipped");
            output.WriteLine($"{name} step {step + 1}: loss {result.Loss:R} torch {t.Losses[step]:R}, grad norm {result.Step.GradNorm:R} torch {t.GradNorms[step]:R}");
            Assert.True(Math.Abs(result.Loss - t.Losses[step]) <= LossTolerance,
                $"{name}: step {step + 1} loss {result.Loss:R}, PyTorch {t.Losses[step]:R} (limit {LossTolerance:E0} absolute)");
            if (t.GradNorms[step] is double norm)
                Assert.True(Math.Abs(result.Step.GradNorm - norm) <= RelativeTolerance * norm,
                    $"{name}: step {step + 1} gradient norm {result.Step.GradNorm:R}, PyTorch {norm:R}");
        }

        // The trajectory must actually move, or equal losses would prove nothing.
        Assert.True(Math.Abs(t.Losses[^1] - t.Losses[0]) > 100 * LossTolerance, $"{name}: PyTorch's loss barely moved: {string.Join(", ", t.Losses)}");
        Assert.True(Math.Abs(t.Loss - t.Losses[0]) <= 1e-6, "the reference's first step must start from the compared weights");
        double moved = RelativeInf(engine.MasterWeights, t.FinalWeights, "final weights");
        output.WriteLine($"{name}: final weights rel diff {moved:E2} (informational)");
    }

    [Fact]
    public void Clipping_is_exercised_by_the_qwen2_case()
    {
        var (c, t) = torch.Get("qwen2-untied");
        Assert.All(t.GradNorms, n => Assert.True(n > c.Optimizer.MaxGradNorm, $"grad norm {n} does not exceed max_grad_norm {c.Optimizer.MaxGradNorm}"));
    }
}

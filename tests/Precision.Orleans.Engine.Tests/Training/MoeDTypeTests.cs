using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>qwen3 / qwen3_moe in bf16 and fp16: HF-autocast rounding points, and the size of the difference from FP32.</summary>
public class MoeDTypeTests(ITestOutputHelper output)
{
    private static TrainingEngine Engine(string model, DType dtype) =>
        new(TinyMoeModels.ByName(model), new TrainingOptions { ComputeDType = dtype, LossScaler = new LossScalerOptions { Enabled = false } },
            TinyModels.Weights(new Model.ParameterLayout(TinyMoeModels.ByName(model)), 42));

    private static void CheckRepresentable(string name, float[] values, DType dtype)
    {
        Assert.Contains(values, v => v != 0f);
        foreach (var v in values)
            Assert.True(DTypeRounding.Round(v, dtype).Equals(v), $"{name} holds {v:R}, not a {dtype} value");
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Router_logits_weights_expert_activations_and_their_gradients_are_dtype_values_while_the_softmax_is_fp32(DType dtype)
    {
        var engine = Engine("qwen3-moe", dtype);
        var batch = TinyModels.Batch();
        engine.Forward(batch);
        var act = engine.Activations!;
        foreach (var (a, l) in act.Layers.Select((a, l) => (a, l)))
        {
            var m = a.Moe!;
            CheckRepresentable($"layer {l} q before norm", a.QProj, dtype);
            CheckRepresentable($"layer {l} q normed", a.QNormed, dtype);
            CheckRepresentable($"layer {l} router logits", m.RouterLogits, dtype);
            CheckRepresentable($"layer {l} routing weights", m.Weights, dtype);
            CheckRepresentable($"layer {l} expert input", m.Input, dtype);
            CheckRepresentable($"layer {l} expert hidden", m.Hidden, dtype);
            CheckRepresentable($"layer {l} expert output", m.Output, dtype);
            // the softmax runs in FP32 (HF: softmax(..., dtype=torch.float)): its values are not all dtype values
            Assert.Contains(m.Probs32, p => !DTypeRounding.Round(p, dtype).Equals(p));
        }
        for (int l = 0; l < act.Residual.Length; l++) CheckRepresentable($"residual {l}", act.Residual[l], dtype);

        engine.Backward(batch.TargetMask.Select(m => -m / 8f).ToArray());
        var s = act.Moe!;
        // scratch holds layer 0's backward, the last one run
        CheckRepresentable("d expert output", s.DOutput, dtype);
        CheckRepresentable("d routing weights", s.DWeights, dtype);
        CheckRepresentable("d router logits", s.DRouterLogits, dtype);
        CheckRepresentable("d expert input", s.DInput, dtype);
        CheckRepresentable("dnorm", act.DNorm, dtype);
        CheckRepresentable("dq", act.DQRotated, dtype);
    }

    [Theory]
    [InlineData("qwen3")]
    [InlineData("qwen3-moe")]
    public void Bf16_logits_differ_from_fp32_more_than_fp16_logits(string model)
    {
        var batch = TokenBatch.FromSequences(Enumerable.Range(0, 6).Select(r => Enumerable.Range(0, 12).Select(i => (i * 7 + r * 5) % 16 + 1).ToArray()).ToList());
        var reference = Engine(model, DType.Fp32);
        var fp32 = ToDouble(reference.ComputeLogits(batch));
        var fp32Routing = reference.LastRouting;
        double Err(DType dtype, out int flips)
        {
            var e = Engine(model, dtype);
            double err = RelativeError(ToDouble(e.ComputeLogits(batch)), fp32);
            flips = 0;
            if (fp32Routing is null) return err;
            for (int b = 0; b < batch.BatchSize; b++)
                for (int l = 0; l < fp32Routing[b].MoeLayers; l++)
                    for (int t = 0; t < fp32Routing[b].Positions; t++)
                        if (!e.LastRouting![b].SameSet(fp32Routing[b], l, t)) flips++;
            return err;
        }
        double bf16 = Err(DType.Bf16, out int bf16Flips), fp16 = Err(DType.Fp16, out int fp16Flips);
        output.WriteLine($"{model}: logits rel error vs fp32 bf16 {bf16:E3} fp16 {fp16:E3}; top-k sets differing from fp32 bf16 {bf16Flips} fp16 {fp16Flips} of {6 * 12 * (fp32Routing?[0].MoeLayers ?? 0)}");
        Assert.InRange(fp16, 1e-6, 1e-2);
        Assert.True(bf16 > 3 * fp16, $"bf16 error {bf16:E2} should be well above fp16's {fp16:E2}");
        Assert.True(bf16Flips >= fp16Flips, $"bf16 flipped {bf16Flips} expert sets, fp16 {fp16Flips}");
    }
}

using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Numerics;
using Precision.Orleans.Engine.Training;
using Xunit;
using Xunit.Abstractions;
using static Precision.Orleans.Engine.Tests.Training.GradientCheck;

namespace Precision.Orleans.Engine.Tests.Training;

/// <summary>Half-precision training engines differ from FP32 by about their precision, and hold only dtype values.</summary>
public class DTypeFidelityTests(ITestOutputHelper output)
{
    private static TrainingEngine Engine(DType dtype)
    {
        var layout = new Model.ParameterLayout(TinyModels.Qwen2);
        return new TrainingEngine(TinyModels.Qwen2, new TrainingOptions { ComputeDType = dtype }, TinyModels.Weights(layout, 21));
    }

    [Fact]
    public void Bf16_and_fp16_logits_differ_from_fp32_by_about_their_precision()
    {
        var batch = TinyModels.Batch();
        var reference = ToDouble(Engine(DType.Fp32).ComputeLogits(batch));
        double errBf16 = RelativeError(ToDouble(Engine(DType.Bf16).ComputeLogits(batch)), reference);
        double errFp16 = RelativeError(ToDouble(Engine(DType.Fp16).ComputeLogits(batch)), reference);
        output.WriteLine($"relative logits error vs fp32: bf16 {errBf16:E3}, fp16 {errFp16:E3}");
        // unit roundoff: bf16 2^-8 ≈ 3.9e-3, fp16 2^-11 ≈ 4.9e-4; a 2-layer model compounds a few of them
        Assert.InRange(errFp16, 1e-5, 1e-2);
        Assert.InRange(errBf16, 1e-4, 8e-2);
        Assert.True(errBf16 > 3 * errFp16, $"bf16 error {errBf16:E2} should be well above fp16 error {errFp16:E2}");
    }

    [Fact]
    public void Bf16_and_fp16_gradients_approximate_fp32_gradients_by_about_their_precision()
    {
        var batch = TinyModels.Batch();
        var dLogp = batch.TargetMask.Select(m => -m / 7f).ToArray();
        double[] Grad(DType dtype)
        {
            var options = new TrainingOptions { ComputeDType = dtype, LossScaler = new LossScalerOptions { Enabled = false } };
            var e = new TrainingEngine(TinyModels.Qwen2, options, TinyModels.Weights(new Model.ParameterLayout(TinyModels.Qwen2), 21));
            e.Forward(batch);
            e.Backward(dLogp);
            return ToDouble(e.Gradients);
        }
        var reference = Grad(DType.Fp32);
        double errBf16 = RelativeError(Grad(DType.Bf16), reference);
        double errFp16 = RelativeError(Grad(DType.Fp16), reference);
        output.WriteLine($"relative gradient error vs fp32: bf16 {errBf16:E3}, fp16 {errFp16:E3}");
        Assert.InRange(errFp16, 1e-5, 2e-2);
        Assert.InRange(errBf16, 1e-4, 1.5e-1);
        Assert.True(errBf16 > 3 * errFp16, $"bf16 gradient error {errBf16:E2} should be well above fp16's {errFp16:E2}");
    }

    [Theory]
    [InlineData(DType.Bf16)]
    [InlineData(DType.Fp16)]
    public void Every_activation_and_activation_gradient_is_dtype_representable(DType dtype)
    {
        var engine = Engine(dtype);
        var batch = TinyModels.Batch();
        engine.Forward(batch);
        var act = engine.Activations!;
        void Check(string name, float[] values)
        {
            Assert.Contains(values, v => v != 0f);
            foreach (var v in values)
                Assert.True(DTypeRounding.Round(v, dtype).Equals(v), $"{name} holds {v:R}, not a {dtype} value");
        }
        for (int l = 0; l < act.Layers.Length; l++)
        {
            var a = act.Layers[l];
            Check($"layer {l} normed1", a.Normed1); Check($"layer {l} norm1", a.Norm1Out); Check($"layer {l} q", a.QRotated);
            Check($"layer {l} k", a.KRotated); Check($"layer {l} v", a.V);
            Check($"layer {l} attn", a.AttnOut); Check($"layer {l} mid", a.Mid); Check($"layer {l} normed2", a.Normed2);
            Check($"layer {l} norm2", a.Norm2Out); Check($"layer {l} gate", a.Gate); Check($"layer {l} up", a.Up);
            Check($"layer {l} silu", a.Activated); Check($"layer {l} hidden", a.Hidden);
        }
        for (int l = 0; l < act.Residual.Length; l++) Check($"residual {l}", act.Residual[l]);
        Check("final norm", act.FinalOut);
        Check("logits", act.Logits);
        Check("compute weights", engine.ComputeWeights.ToArray());

        engine.Backward(batch.TargetMask.Select(m => -m / 8f).ToArray());
        Check("dlogits", act.Logits);
        Check("dresidual", act.DResidual); Check("dnorm", act.DNorm); Check("dq", act.DQ); Check("dk", act.DK); Check("dv", act.DV);
        Check("dattn", act.DAttnOut); Check("dgate", act.DGate); Check("dup", act.DUp); Check("dhidden", act.DHidden);
    }
}

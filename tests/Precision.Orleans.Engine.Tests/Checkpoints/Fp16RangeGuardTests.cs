using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

public sealed class Fp16RangeGuardTests
{
    private static (string Dir, TempDirectory Temp, float[] Weights) SaveWithOverflow()
    {
        var temp = new TempDirectory();
        var config = CheckpointFixtures.Qwen2Untied;
        var layout = new ParameterLayout(config);
        var weights = CheckpointFixtures.RandomWeights(layout, seed: 3);
        long embed = layout["model.embed_tokens.weight"].Offset;
        weights[embed] = 70000f;            // beyond 65504: would be +inf in FP16
        weights[embed + 1] = -1e6f;
        weights[embed + 2] = 1e-9f;         // underflows to 0 in FP16: reported, not refused
        ModelCheckpoint.Save(temp.Path, config, layout, weights);
        return (temp.Path, temp, weights);
    }

    [Fact]
    public void An_fp16_engine_refuses_overflowing_weights_by_default_naming_the_tensor()
    {
        var (dir, temp, _) = SaveWithOverflow();
        using (temp)
        {
            var e = Assert.Throws<InvalidDataException>(() => Fp16RangeGuard.LoadFor(dir, [DType.Bf16, DType.Fp16], Fp16RangePolicy.Refuse));
            Assert.Contains("model.embed_tokens.weight", e.Message);
            Assert.Contains("2 of", e.Message);
        }
    }

    [Fact]
    public void Clamp_keeps_fp32_masters_except_the_overflowing_values_and_reports_them()
    {
        var (dir, temp, saved) = SaveWithOverflow();
        using (temp)
        {
            var loaded = Fp16RangeGuard.LoadFor(dir, [DType.Fp16], Fp16RangePolicy.Clamp);
            var report = Assert.IsType<Fp16RangeReport>(loaded.Fp16Range);
            Assert.Equal(2, report.Total.Overflow);
            // Counted independently: nonzero values at or below 2^-25 round to zero in FP16 (the injected 1e-9 among them).
            Assert.Equal(saved.Count(x => x != 0 && MathF.Abs(x) <= MathF.Pow(2, -25)), report.Total.Underflow);
            Assert.True(report.Total.Underflow >= 1);
            Assert.Equal(Fp16RangePolicy.Clamp, report.AppliedPolicy);
            long embed = loaded.Layout["model.embed_tokens.weight"].Offset;
            Assert.Equal(65504f, loaded.Weights[embed]);
            Assert.Equal(-65504f, loaded.Weights[embed + 1]);
            // Everything else is the FP32 value as saved (not rounded to FP16), so bf16 and fp16 runs start equal.
            for (int i = 0; i < saved.Length; i++)
                if (i != embed && i != embed + 1) Assert.Equal(saved[i], loaded.Weights[i]);
        }
    }

    [Fact]
    public void Without_an_fp16_engine_nothing_is_measured_or_changed()
    {
        var (dir, temp, saved) = SaveWithOverflow();
        using (temp)
        {
            var loaded = Fp16RangeGuard.LoadFor(dir, [DType.Fp32, DType.Bf16], Fp16RangePolicy.Refuse);
            Assert.Null(loaded.Fp16Range);
            Assert.Equal(saved, loaded.Weights);
        }
    }
}

using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Checkpoints;

/// <summary>Converting a BF16 checkpoint to FP16 counts overflow / underflow / subnormal values per tensor and applies the policy.</summary>
public class Fp16RangeReportTests
{
    private const string Hot = "model.layers.1.mlp.down_proj.weight";
    private const string Tiny = "model.layers.0.self_attn.v_proj.weight";

    /// <summary>Weights in FP16's comfortable range, then planted values: 3 overflows in Hot, 2 underflows and 4 subnormals in Tiny.</summary>
    private static (ParameterLayout Layout, float[] Weights) Planted()
    {
        var config = CheckpointFixtures.Qwen2Untied;
        var layout = new ParameterLayout(config);
        var w = new float[layout.TotalCount];
        var rng = new Random(2);
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * 0.5f + 0.75f; // in [0.25, 1.25]
        long hot = layout[Hot].Offset, tiny = layout[Tiny].Offset;
        w[hot] = 70000f; w[hot + 5] = -1e6f; w[hot + 9] = 3e38f;            // all exact in BF16 up to rounding, all > 65504
        w[tiny] = 1e-9f; w[tiny + 1] = -2e-8f;                             // below 2^-25 ≈ 2.98e-8: round to 0
        w[tiny + 2] = 1e-6f; w[tiny + 3] = -5e-6f; w[tiny + 4] = 3e-5f; w[tiny + 5] = 6e-5f; // below 2^-14 ≈ 6.1e-5: subnormal
        return (layout, w);
    }

    private static string SaveBf16(TempDirectory dir)
    {
        var (layout, w) = Planted();
        HfCheckpointWriter.Save(dir.Path, layout.Config, layout, w, new HfSaveOptions { StorageDType = DType.Bf16, MaxShardBytes = 4000 });
        return dir.Path;
    }

    [Fact]
    public void Refuse_policy_names_the_overflowing_tensor_and_the_counts()
    {
        using var dir = new TempDirectory();
        SaveBf16(dir);
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir.Path, new HfLoadOptions { TargetDType = DType.Fp16 }));
        Assert.Contains($"'{Hot}' 3 overflow", e.Message);
        Assert.Contains("3 of", e.Message);
        Assert.Contains("2 underflow to zero", e.Message);
        Assert.Contains("clamp", e.Message);
    }

    [Fact]
    public void Clamp_policy_clamps_reports_per_tensor_and_rounds_to_fp16()
    {
        using var dir = new TempDirectory();
        SaveBf16(dir);
        var loaded = HfCheckpoint.Load(dir.Path, new HfLoadOptions { TargetDType = DType.Fp16, Fp16Policy = Fp16RangePolicy.Clamp });
        var r = loaded.Fp16Range!;
        Assert.Equal(Fp16RangePolicy.Clamp, r.AppliedPolicy);
        Assert.Equal((3L, 2L, 4L), (r.Total.Overflow, r.Total.Underflow, r.Total.Subnormal));
        Assert.Equal(loaded.Layout.TotalCount, r.Total.Elements);
        Assert.Equal(loaded.Layout.Parameters.Count, r.Tensors.Count);
        var hot = r.Tensors.Single(t => t.Tensor == Hot);
        Assert.Equal(3, hot.Overflow);
        Assert.Equal(Hot, r.Worst(1).Single().Tensor);
        var tiny = r.Tensors.Single(t => t.Tensor == Tiny);
        Assert.Equal((0L, 2L, 4L), (tiny.Overflow, tiny.Underflow, tiny.Subnormal));
        Assert.All(r.Tensors.Where(t => t.Tensor is not Hot and not Tiny), t => Assert.Equal((0L, 0L, 0L), (t.Overflow, t.Underflow, t.Subnormal)));

        long h = loaded.Layout[Hot].Offset, s = loaded.Layout[Tiny].Offset;
        Assert.Equal([65504f, -65504f, 65504f], new[] { loaded.Weights[h], loaded.Weights[h + 5], loaded.Weights[h + 9] });
        Assert.Equal(0f, loaded.Weights[s]);
        Assert.Equal(0f, loaded.Weights[s + 1]);
        Assert.NotEqual(0f, loaded.Weights[s + 2]);
        // Every value is now an FP16 value: a round trip through Half changes nothing.
        Assert.All(loaded.Weights, x => Assert.Equal(x, (float)(Half)x));
    }

    [Fact]
    public void Measuring_without_converting_leaves_the_values_alone()
    {
        using var dir = new TempDirectory();
        SaveBf16(dir);
        var loaded = HfCheckpoint.Load(dir.Path, new HfLoadOptions { MeasureFp16Range = true });
        Assert.Null(loaded.Fp16Range!.AppliedPolicy);
        Assert.Equal(3, loaded.Fp16Range.Total.Overflow);
        Assert.True(loaded.Weights[loaded.Layout[Hot].Offset] > 65504f);
        Assert.Null(HfCheckpoint.Load(dir.Path).Fp16Range);
    }
}

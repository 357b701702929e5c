using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tests.Training;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Spec;

public sealed class Fp16RangeSpecTests
{
    [Fact]
    public void Precision_fp16_range_defaults_to_refuse_round_trips_and_names_the_allowed_values()
    {
        using var run = new TinyRun();
        Assert.Equal(Fp16RangePolicy.Refuse, run.Spec().Precision.Fp16Range);
        string clampYaml = run.Yaml(train: "fp16", rollout: "fp16").Replace("  rollout: fp16\n", "  rollout: fp16\n  fp16_range: clamp\n");
        var clamp = run.Spec(clampYaml);
        Assert.Equal(Fp16RangePolicy.Clamp, clamp.Precision.Fp16Range);
        Assert.Equal(clamp, run.Spec(RunSpecWriter.ToYaml(clamp)));
        // The default is not written, so existing specs keep their trajectory hash.
        Assert.DoesNotContain("fp16_range", RunSpecWriter.ToYaml(run.Spec()));
        var e = Assert.Throws<RunSpecException>(() => run.Spec(clampYaml.Replace("fp16_range: clamp", "fp16_range: saturate")));
        Assert.Contains("precision.fp16_range", e.Message);
        Assert.Contains("refuse | clamp", e.Message);
    }

    [Fact]
    public void An_fp16_run_refuses_a_checkpoint_beyond_fp16_range_unless_the_spec_clamps()
    {
        using var run = new TinyRun();
        var loaded = ModelCheckpoint.Load(run.ModelDir);
        var weights = loaded.Weights;
        // +inf in an FP16 copy. A key bias (added to every key of a head) shifts that head's scores by nearly a constant,
        // so the clamped model stays finite and the clamped run can train.
        weights[loaded.Layout["model.layers.0.self_attn.k_proj.bias"].Offset] = 1e5f;
        ModelCheckpoint.Save(run.ModelDir, loaded.Config, loaded.Layout, weights);

        string fp16 = run.Yaml(train: "fp16", rollout: "fp16", iterations: 1);
        var refused = Assert.Throws<InvalidDataException>(() => new RlTrainer(run.Spec(fp16), run.RunDir("refused")).Run());
        Assert.Contains("model.layers.0.self_attn.k_proj.bias", refused.Message);
        Assert.False(File.Exists(Path.Combine(run.RunDir("refused"), "metrics.jsonl")));

        var summary = new RlTrainer(run.Spec(fp16.Replace("  rollout: fp16\n", "  rollout: fp16\n  fp16_range: clamp\n")), run.RunDir("clamped")).Run();
        Assert.Equal(1, summary.Iterations);
        // A bf16/fp32 run never builds an FP16 copy: nothing to refuse.
        new RlTrainer(run.Spec(run.Yaml(train: "bf16", rollout: "fp32", iterations: 1)), run.RunDir("bf16")).Run();
    }
}

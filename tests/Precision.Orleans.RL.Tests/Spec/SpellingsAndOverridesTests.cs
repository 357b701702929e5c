using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tests.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Spec;

/// <summary>The spec accepts the options' spellings, --set overrides are validated like the file, and the YAML is read strictly.</summary>
public sealed class SpellingsAndOverridesTests
{
    [Fact]
    public void Dtypes_and_policies_accept_the_spellings_of_the_command_line_options()
    {
        using var run = new TinyRun();
        var spec = run.Spec(run.Yaml().Replace("  train: fp32\n  rollout: fp32\n", "  train: float16\n  rollout: HALF\n  fp16_range: Clamp\n"));
        Assert.Equal(DType.Fp16, spec.Precision.Train);
        Assert.Equal(DType.Fp16, spec.Precision.Rollout);
        Assert.Equal(Fp16RangePolicy.Clamp, spec.Precision.Fp16Range);
        // Written back canonically.
        Assert.Contains("train: fp16", RunSpecWriter.ToYaml(spec));
    }

    [Fact]
    public void Overrides_replace_or_add_keys_and_are_validated_like_the_file()
    {
        using var run = new TinyRun();
        string path = run.WriteSpec(run.Yaml());
        var spec = RunSpecLoader.Load(path, ["rollout.temperature=0.8", "batch.prompts=2", "algorithm.clip_ratio_c=3", "lora.rank=2"]);
        Assert.Equal(0.8f, spec.Rollout.Temperature);
        Assert.Equal(2, spec.Batch.Prompts);
        Assert.Equal(3, spec.Algorithm.DualClipRatio);
        Assert.Equal(2, spec.Lora!.Rank);
        Assert.Equal(run.Spec().Model, RunSpecLoader.Load(path, ["model.path=model"]).Model);

        Assert.Contains("rollout.temprature", Assert.Throws<RunSpecException>(() => RunSpecLoader.Load(path, ["rollout.temprature=0.8"])).Message);
        Assert.Contains("batch.prompts", Assert.Throws<RunSpecException>(() => RunSpecLoader.Load(path, ["batch.prompts=2000000000"])).Message);
        Assert.Contains("KEY=VALUE", Assert.Throws<RunSpecException>(() => RunSpecLoader.Load(path, ["batch.prompts"])).Message);
        Assert.Contains("not a section", Assert.Throws<RunSpecException>(() => RunSpecLoader.Load(path, ["seed.x=1"])).Message);
    }

    [Fact]
    public void A_second_document_or_a_value_beyond_float_range_is_refused()
    {
        using var run = new TinyRun();
        Assert.Contains("2 YAML documents", Assert.Throws<RunSpecException>(() => run.Spec(run.Yaml() + "\n---\nseed: 6\n")).Message);
        var e = Assert.Throws<RunSpecException>(() => run.Spec(run.Yaml().Replace("  max_new_tokens: 12", "  max_new_tokens: 12\n  temperature: 1e300")));
        Assert.Contains("rollout.temperature", e.Message);
        Assert.Contains("32-bit float", e.Message);
    }
}

using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tests.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Spec;

public sealed class LoraMoeSpecTests
{
    private const string Minimal = """
        model: model
        data:
          problems: problems.jsonl
        """;

    [Fact]
    public void A_lora_section_gets_the_documented_defaults_and_no_section_means_full_fine_tuning()
    {
        using var run = new TinyRun();
        Assert.Null(run.Spec(Minimal).Lora);
        Assert.Null(run.Spec(Minimal).Moe);
        var lora = run.Spec(Minimal + "\nlora:\n  rank: 4\n").Lora!;
        Assert.Equal(4, lora.Rank);
        Assert.Equal(16, lora.Alpha);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], lora.TargetModules);
        Assert.Equal("merged", lora.Rollout);
    }

    [Fact]
    public void Lora_and_model_mapping_round_trip_through_the_writer_and_change_the_trajectory_hash()
    {
        using var run = new TinyRun();
        var spec = run.Spec("""
            model:
              path: model
            data:
              problems: problems.jsonl
            lora:
              rank: 2
              alpha: 4
              target_modules: [q_proj, v_proj, down_proj]
              rollout: unmerged
            """);
        Assert.Equal(Path.GetFullPath(run.ModelDir), spec.Model);
        Assert.Equal(new LoraSpec { Rank = 2, Alpha = 4, TargetModules = ["q_proj", "v_proj", "down_proj"], Rollout = "unmerged" }, spec.Lora);
        Assert.Equal(spec, run.Spec(RunSpecWriter.ToYaml(spec)));

        var full = spec with { Lora = null };
        Assert.NotEqual(RunSpecWriter.TrajectoryHash(full), RunSpecWriter.TrajectoryHash(spec));
        Assert.NotEqual(RunSpecWriter.TrajectoryHash(spec with { Lora = spec.Lora! with { Rank = 3 } }), RunSpecWriter.TrajectoryHash(spec));
        Assert.NotEqual(RunSpecWriter.TrajectoryHash(spec with { Lora = spec.Lora! with { Rollout = "merged" } }), RunSpecWriter.TrajectoryHash(spec));
        // A dense full-FT spec is written exactly as before the sections existed: old checkpoints' hashes still match.
        Assert.Contains("model: \"", RunSpecWriter.ToYaml(full));
        Assert.DoesNotContain("lora", RunSpecWriter.ToYaml(full));
    }

    [Fact]
    public void Moe_options_are_read_for_a_mixture_of_experts_checkpoint_and_round_trip()
    {
        using var run = new TinyRun();
        string moeDir = Path.Combine(run.Root, "moe-model");
        Directory.CreateDirectory(moeDir);
        var config = new ModelConfig
        {
            ModelType = "qwen3_moe", VocabSize = 16, HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2,
            NumKeyValueHeads = 1, MaxPositionEmbeddings = 320, NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = 8,
        };
        File.WriteAllText(Path.Combine(moeDir, ModelCheckpoint.ConfigFileName), config.ToJson());
        var spec = run.Spec("model:\n  path: moe-model\n  moe:\n    aux_loss_coef: 0.01\ndata:\n  problems: problems.jsonl\n");
        Assert.Equal(0.01, spec.Moe!.AuxLossCoef);
        Assert.Equal(spec, run.Spec(RunSpecWriter.ToYaml(spec)));
        Assert.Equal(0, run.Spec("model:\n  path: moe-model\n  moe: {}\ndata:\n  problems: problems.jsonl\n").Moe!.AuxLossCoef);
    }

    [Fact]
    public void The_documented_lora_example_spec_parses()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "examples", "lora-pg-seq-is.yaml"))) dir = Path.GetDirectoryName(dir)!;
        string text = File.ReadAllText(Path.Combine(dir, "examples", "lora-pg-seq-is.yaml"));
        using var run = new TinyRun();
        var patched = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^model: .*$", "model: model");
        patched = System.Text.RegularExpressions.Regex.Replace(patched, @"(?m)^  problems: .*$", "  problems: problems.jsonl");
        var spec = run.Spec(patched);
        Assert.Equal(new LoraSpec { Rank = 4, Alpha = 8 }, spec.Lora);
        Assert.Equal(1e-3f, spec.Optimizer.LearningRate);
    }

    [Theory]
    [InlineData("model:\n  path: model\n  moe:\n    aux_loss_coef: 0.01\n", "model.moe", "dense")]
    [InlineData("model:\n  path: model\n  moe:\n    aux_loss: 0.01\n", "model.moe.aux_loss", "allowed keys of 'model.moe': aux_loss_coef")]
    [InlineData("model:\n  dir: model\n", "model.dir", "allowed keys of 'model': path, moe")]
    [InlineData("model:\n  moe: {}\n", "model", "missing")]
    [InlineData("model: model\nlora:\n  rank: 0\n", "lora.rank", "must be positive")]
    [InlineData("model: model\nlora:\n  alpha: -1\n", "lora.alpha", "must be positive")]
    [InlineData("model: model\nlora:\n  target_modules: [q_proj, lm_head]\n", "lora.target_modules", "unknown module 'lm_head'; allowed: q_proj | k_proj | v_proj | o_proj | gate_proj | up_proj | down_proj")]
    [InlineData("model: model\nlora:\n  target_modules: []\n", "lora.target_modules", "is empty")]
    [InlineData("model: model\nlora:\n  target_modules: [q_proj, q_proj]\n", "lora.target_modules", "listed twice")]
    [InlineData("model: model\nlora:\n  target_modules: q_proj\n", "lora.target_modules", "expected a list")]
    [InlineData("model: model\nlora:\n  rollout: fused\n", "lora.rollout", "allowed: merged | unmerged")]
    [InlineData("model: model\nlora:\n  dropout: 0.1\n", "lora.dropout", "allowed keys of 'lora': rank, alpha, target_modules, rollout")]
    [InlineData("model: model\nlora: 8\n", "lora", "expected a section of keys")]
    public void Bad_lora_and_moe_values_are_refused_naming_the_key_and_what_is_allowed(string head, string key, string expected)
    {
        using var run = new TinyRun();
        var e = Assert.Throws<RunSpecException>(() => run.Spec(head + "data:\n  problems: problems.jsonl\n"));
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(expected, e.Message);
    }
}

using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tests.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Spec;

public sealed class RunSpecLoaderTests
{
    private const string Minimal = """
        model: model
        data:
          problems: problems.jsonl
        """;

    [Fact]
    public void A_minimal_spec_gets_the_documented_defaults_and_absolute_paths()
    {
        using var run = new TinyRun();
        var spec = run.Spec(Minimal);
        var defaults = new RunSpec();
        Assert.Equal(Path.GetFullPath(run.ModelDir), spec.Model);
        Assert.Equal(Path.GetFullPath(run.ProblemsPath), spec.Data.Problems);
        Assert.Equal(defaults with { Model = spec.Model, Data = spec.Data }, spec);
        Assert.Equal("pg-seq-is", spec.Algorithm.Name);
        Assert.Equal(64, spec.Batch.Prompts);
        Assert.Equal(DType.Fp16, spec.Precision.Train);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_spec_files_directory_not_the_current_one()
    {
        using var run = new TinyRun();
        string path = run.WriteSpec(Minimal);
        var spec = RunSpecLoader.Load(path);
        Assert.Equal(Path.GetFullPath(run.ModelDir), spec.Model);
    }

    [Fact]
    public void Every_key_is_read_and_the_writer_round_trips()
    {
        using var run = new TinyRun();
        var spec = run.Spec("""
            name: full
            seed: 9
            model: model
            data:
              task: arithmetic
              task_problems: 100
              difficulty: 4
            algorithm:
              name: grpo-seq-mis
              aggregation: token-mean
              clip_low: 0.1
              clip_high: 0.3
              gspo_clip_low: 0.0002
              gspo_clip_high: 0.0005
              importance_cap: 2.5
              normalize_advantage_std: true
            precision:
              train: bf16
              rollout: fp32
            batch:
              prompts: 6
              group_size: 4
              mini_batches: 3
              micro_batch_sequences: 5
            rollout:
              temperature: 0.7
              top_p: 0.9
              top_k: 20
              max_new_tokens: 33
            optimizer:
              lr: 3e-5
              beta1: 0.8
              beta2: 0.95
              eps: 1e-6
              weight_decay: 0.1
              max_grad_norm: 0.5
              initial_loss_scale: 1024
              loss_scale_growth_interval: 100
            schedule:
              iterations: 7
              checkpoint_every: 3
              keep_checkpoints: 4
              stop_at_accuracy: 0.9
            """);
        Assert.Equal("grpo-seq-mis", spec.Algorithm.Name);
        Assert.True(spec.Algorithm.NormalizeAdvantageStd);
        Assert.Equal(DType.Bf16, spec.Precision.Train);
        Assert.Equal(3e-5f, spec.Optimizer.LearningRate);
        Assert.Equal(100, spec.Optimizer.LossScaleGrowthInterval);
        Assert.Equal(0.9, spec.Schedule.StopAtAccuracy);
        Assert.Equal(4, spec.Data.Difficulty);
        Assert.Equal(spec, run.Spec(RunSpecWriter.ToYaml(spec)));
        Assert.Equal(run.Spec(), run.Spec(RunSpecWriter.ToYaml(run.Spec())));
    }

    [Theory]
    [InlineData("batch:\n  prompts: abc", "batch.prompts", "expected an integer, got 'abc'")]
    [InlineData("batch:\n  prompts: -4", "batch.prompts", "must be positive")]
    [InlineData("batch:\n  prompts: 0", "batch.prompts", "must be positive")]
    [InlineData("batch:\n  mini_batches: -1", "batch.mini_batches", "must be positive")]
    [InlineData("batch:\n  micro_batch_sequences: 0", "batch.micro_batch_sequences", "must be positive")]
    [InlineData("batch:\n  group_size: 1", "batch.group_size", ">= 2")]
    [InlineData("batch:\n  prompts: 3\n  group_size: 3\n  mini_batches: 4", "batch.mini_batches", "3 × 3 = 9 rollouts must split evenly into 4")]
    [InlineData("batch:\n  promts: 3", "batch.promts", "allowed keys of 'batch': prompts, group_size, mini_batches, micro_batch_sequences")]
    [InlineData("algorithm:\n  name: ppo", "algorithm.name", "grpo | grpo-token-tis | grpo-seq-mis | gspo | pg-seq-is | pg-seq-tis | pg-seq-mis")]
    [InlineData("algorithm:\n  aggregation: sum", "algorithm.aggregation", "seq-mean-token-sum-norm")]
    [InlineData("algorithm:\n  normalize_advantage_std: maybe", "algorithm.normalize_advantage_std", "expected true or false")]
    [InlineData("precision:\n  train: fp8", "precision.train", "fp32 | bf16 | fp16")]
    [InlineData("precision:\n  rollout: fp64", "precision.rollout", "fp32 | bf16 | fp16")]
    [InlineData("optimizer:\n  lr: fast", "optimizer.lr", "expected a number, got 'fast'")]
    [InlineData("rollout:\n  top_p: 1.5", "rollout.top_p", "(0, 1]")]
    [InlineData("schedule:\n  keep_checkpoints: 0", "schedule.keep_checkpoints", ">= 1")]
    [InlineData("schedule: 5", "schedule", "expected a section of keys")]
    [InlineData("colour: red", "colour", "allowed keys: name, seed, model, data")]
    public void Bad_values_are_refused_naming_the_key_and_what_is_allowed(string section, string key, string expected)
    {
        using var run = new TinyRun();
        var e = Assert.Throws<RunSpecException>(() => run.Spec(Minimal + "\n" + section + "\n"));
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(key + ":", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains("run.yaml", e.Message);
    }

    [Theory]
    [InlineData("model: model\n", "data", "missing dataset")]
    [InlineData("model: model\ndata:\n  problems: problems.jsonl\n  task: arithmetic\n", "data", "not both")]
    [InlineData("model: model\ndata:\n  problems: nowhere.jsonl\n", "data.problems", "nowhere.jsonl' not found")]
    [InlineData("model: model\ndata:\n  task: sudoku\n", "data.task", "allowed: arithmetic")]
    [InlineData("data:\n  problems: problems.jsonl\n", "model", "missing")]
    [InlineData("model: no-such-dir\ndata:\n  problems: problems.jsonl\n", "model", "no-such-dir' not found")]
    [InlineData("model: .\ndata:\n  problems: problems.jsonl\n", "model", "has no config.json")]
    public void Missing_model_or_dataset_is_refused_naming_the_key(string yaml, string key, string expected)
    {
        using var run = new TinyRun();
        var e = Assert.Throws<RunSpecException>(() => run.Spec(yaml));
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_wrong_type_names_the_line()
    {
        using var run = new TinyRun();
        var e = Assert.Throws<RunSpecException>(() => run.Spec(Minimal + "\nbatch:\n  group_size: [1, 2]\n"));
        Assert.Contains("run.yaml:5: batch.group_size: expected an integer, got a list", e.Message);
    }

    [Fact]
    public void The_documented_sharded_cluster_example_parses_with_its_parallel_section()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "examples", "cluster-sharded-demo.yaml"))) dir = Path.GetDirectoryName(dir)!;
        string text = File.ReadAllText(Path.Combine(dir, "examples", "cluster-sharded-demo.yaml"));
        using var run = new TinyRun();
        // its model is the shipped base policy beside it; the tiny one stands in (the README runs the real one)
        var spec = run.Spec(System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^model: .*$", "model: model"));
        Assert.Equal("grpo", spec.Algorithm.Name);
        Assert.Equal((2, 3, 1), (spec.Parallel.GradientWorkers, spec.Parallel.Shards, spec.Parallel.ExpertWorkers));
        Assert.True(spec.Parallel.SplitsTheStep);
    }

    [Fact]
    public void The_documented_example_spec_parses()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "examples", "sanity-pg-seq-is.yaml"))) dir = Path.GetDirectoryName(dir)!;
        string text = File.ReadAllText(Path.Combine(dir, "examples", "sanity-pg-seq-is.yaml"));
        using var run = new TinyRun();
        // point its model and problems at the tiny ones: the example's own come from `precision pretrain` / `sanity-set`
        var patched = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^model: .*$", "model: model");
        patched = System.Text.RegularExpressions.Regex.Replace(patched, @"(?m)^  problems: .*$", "  problems: problems.jsonl");
        var spec = run.Spec(patched);
        Assert.Equal("pg-seq-is", spec.Algorithm.Name);
        Assert.Equal(DType.Fp16, spec.Precision.Rollout);
        Assert.Equal(0.95, spec.Schedule.StopAtAccuracy);
    }
}

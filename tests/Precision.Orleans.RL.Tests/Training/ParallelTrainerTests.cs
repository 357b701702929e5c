using Precision.Orleans.Tests.Shared;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;
using Xunit;

namespace Precision.Orleans.RL.Tests.Training;

/// <summary>
/// <c>parallel: {gradient_workers: N, shards: S}</c> in the RL loop: the data-parallel sharded step gives the single
/// learner's run bit for bit — every metric and every checkpoint file — for full fine-tuning and for LoRA.
/// </summary>
public sealed class ParallelTrainerTests
{
    private static string Yaml(TinyRun run, bool lora, int workers, int shards) =>
        run.Yaml(train: "fp16", rollout: "fp16", iterations: 3, checkpointEvery: 3, micro: 1)
        + (lora ? "\nlora:\n  rank: 2\n  alpha: 4\n" : "")
        + (workers == 1 && shards == 1 ? "" : $"\nparallel:\n  gradient_workers: {workers}\n  shards: {shards}\n");

    [Theory]
    [InlineData(false, 2, 3)]
    [InlineData(false, 4, 1)]
    [InlineData(true, 4, 3)]
    [InlineData(true, 2, 1)]
    public void Three_iterations_with_N_gradient_workers_and_S_shards_equal_the_single_learner_bit_for_bit(bool lora, int workers, int shards)
    {
        using var run = new TinyRun();
        var single = RlTrainerTests.RunRows(run, Yaml(run, lora, 1, 1), "single");
        var parallel = RlTrainerTests.RunRows(run, Yaml(run, lora, workers, shards), "parallel");

        Assert.Equal(3, parallel.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(single[i], parallel[i], MetricsComparer.Instance);
        Assert.Contains(single, r => r.GradNormMax > 0);
        string Step3(string name) => Path.Combine(run.RunDir(name), "checkpoints", "step-000003");
        var files = Directory.GetFiles(Step3("single")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(files, Directory.GetFiles(Step3("parallel")).Select(Path.GetFileName).Order().ToArray());
        foreach (var f in files)
            Assert.True(File.ReadAllBytes(Path.Combine(Step3("single"), f!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(Step3("parallel"), f!))),
                $"checkpoint file {f} differs between the single learner and {workers} workers × {shards} shards");
    }

    [Theory]
    [InlineData("gradient_workers: 0", "parallel.gradient_workers")]
    [InlineData("gradient_workers: 7", "only 6 micro-batches")]
    [InlineData("shards: 0", "parallel.shards")]
    [InlineData("shards: 100000", "whole tensors")]
    [InlineData("expert_workers: 2", "not implemented yet")]
    [InlineData("experts: 2", "experts")]
    public void Bad_parallel_keys_are_refused_naming_the_key(string line, string expected)
    {
        using var run = new TinyRun();
        var e = Assert.Throws<RunSpecException>(() => run.Spec(run.Yaml(micro: 1) + $"\nparallel:\n  {line}\n"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_parallel_section_round_trips_and_the_default_is_the_single_learner()
    {
        using var run = new TinyRun();
        Assert.True(run.Spec(run.Yaml()).Parallel.IsSingleLearner);
        var spec = run.Spec(run.Yaml(micro: 1) + "\nparallel:\n  gradient_workers: 2\n  shards: 3\n");
        Assert.Equal(new ParallelSpec { GradientWorkers = 2, Shards = 3 }, spec.Parallel);
        Assert.Equal(spec.Parallel, RunSpecLoader.Parse(RunSpecWriter.ToYaml(spec), Path.Combine(run.Root, "w.yaml"), run.Root).Parallel);
        // Any split gives the same trajectory: the spec hash a checkpoint records does not change with it.
        Assert.Equal(RunSpecWriter.TrajectoryHash(run.Spec(run.Yaml(micro: 1))), RunSpecWriter.TrajectoryHash(spec));
    }
}

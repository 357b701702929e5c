using System.Text.RegularExpressions;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Model;
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

        AssertSameRun(run, single, parallel, $"{workers} workers × {shards} shards");
        // The comparison covers trained weights only if updates were applied and a policy gradient flowed.
        Assert.True(single.Sum(r => r.SkippedSteps) < single.Count * 2, "every optimizer step was skipped");
        Assert.Contains(single, r => r.RewardMean > 0);
        Assert.Contains(single, r => r.GradNormMax > 0);
    }

    /// <summary>
    /// <c>parallel.expert_workers: E</c> on a tiny qwen3_moe policy: rollout and training experts on E in-process owners
    /// (alone, and inside gradient workers and shards) give the single learner's metrics and checkpoints bit for bit.
    /// E = 1 with workers and shards is the plain sharded MoE run: the routing of π comes back from the gradient workers,
    /// so its routing-mismatch fields (compared with every other metric) are the single learner's, not empty.
    /// </summary>
    [Theory]
    [InlineData(1, "fp16", "  gradient_workers: 2\n  shards: 3\n")]
    [InlineData(2, "bf16", "")]
    [InlineData(4, "fp16", "")]
    [InlineData(2, "fp16", "  gradient_workers: 2\n  shards: 3\n")]
    public void Three_iterations_of_a_moe_run_with_E_expert_workers_equal_the_single_learner_bit_for_bit(int experts, string dtype, string more)
    {
        using var run = new TinyRun();
        UseMoeModelOfTheDensePolicy(run);
        string yaml = run.Yaml(train: dtype, rollout: dtype, iterations: 3, checkpointEvery: 3, micro: 1)
            .Replace("model: model", "model:\n  path: model\n  moe:\n    aux_loss_coef: 0.01\n", StringComparison.Ordinal);
        var single = RlTrainerTests.RunRows(run, yaml, "single");
        var parallel = RlTrainerTests.RunRows(run, yaml + $"\nparallel:\n  expert_workers: {experts}\n{more}", "parallel");
        AssertSameRun(run, single, parallel, $"{experts} expert workers");
        // The routing mismatch (pg-seq-is: π's routing is the first mini-batch's training pass) is there to compare.
        Assert.All(parallel, r => Assert.True(r.RoutingMismatch is not null && r.RoutingMismatchAnyLayer is not null && r.RoutingMismatchByLayer.Count > 0,
            $"step {r.Step}: the routing-mismatch fields are empty"));
        // Applied updates, so the comparison covers trained weights (an overflow-skipped step changes nothing).
        Assert.True(single.Sum(r => r.SkippedSteps) < single.Count * 2, "every optimizer step was skipped");
        Assert.Contains(single, r => r.RewardMean > 0); // a policy-gradient signal flows through the experts
    }

    /// <summary>
    /// A sharded MoE run whose rollouts (bf16) and training (fp16) route some tokens differently: a router of near ties
    /// (scaled down) makes the routing mismatch non-zero, so it can only equal the single learner's if each gradient
    /// worker's π routing comes back for the right rows — the rollouts' own routing, or another micro-batch's, would not.
    /// </summary>
    [Fact]
    public void A_sharded_moe_run_reports_the_single_learners_non_zero_routing_mismatch()
    {
        using var run = new TinyRun();
        UseMoeModelOfTheDensePolicy(run, nearTies: true);
        string yaml = run.Yaml(train: "fp16", rollout: "bf16", iterations: 3, checkpointEvery: 3, micro: 1);
        var single = RlTrainerTests.RunRows(run, yaml, "single");
        var parallel = RlTrainerTests.RunRows(run, yaml + "\nparallel:\n  gradient_workers: 2\n  shards: 3\n", "parallel");
        AssertSameRun(run, single, parallel, "2 workers × 3 shards");
        Assert.All(parallel, r => Assert.True(r.RoutingMismatch is not null && r.RoutingMismatchAnyLayer is not null && r.RoutingMismatchByLayer.Count > 0,
            $"step {r.Step}: the routing-mismatch fields are empty"));
        Assert.Contains(parallel, r => r.RoutingMismatch > 0);
    }

    /// <summary>
    /// Algorithms whose loss needs π_θ' (grpo's clipped ratio, gspo's sequence ratio; pg-seq-* do not) get an old-log-prob
    /// pass before the iteration's two optimizer steps. In a <c>parallel</c> run the gradient workers compute it, in the
    /// step's shares over the learner's own chunks, so every metric (the π-vs-μ mismatch is that pass's) and the checkpoint
    /// equal the single learner's — while the learner's engine runs no forward at all. The MoE case (bf16 rollouts, a
    /// router of near ties) gets π's routing from the workers' pass: its routing mismatch is non-zero and the same.
    /// </summary>
    [Theory]
    [InlineData("grpo", false, false, 2, 3)]
    [InlineData("gspo", true, false, 4, 1)]
    [InlineData("grpo", false, true, 2, 3)]
    public void The_old_log_prob_pass_of_a_parallel_run_runs_on_the_gradient_workers_and_equals_the_single_learners(
        string algorithm, bool lora, bool moe, int workers, int shards)
    {
        using var run = new TinyRun();
        if (moe) UseMoeModelOfTheDensePolicy(run, nearTies: true);
        string yaml = run.Yaml(algorithm: algorithm, train: "fp16", rollout: moe ? "bf16" : "fp16", iterations: 3, checkpointEvery: 3, micro: 1)
            + (lora ? "\nlora:\n  rank: 2\n  alpha: 4\n" : "");
        PolicyLearner? singleLearner = null, parallelLearner = null;
        new RlTrainer(run.Spec(yaml), run.RunDir("single")) { LearnerOpened = l => singleLearner = l }.Run();
        new RlTrainer(run.Spec(yaml + $"\nparallel:\n  gradient_workers: {workers}\n  shards: {shards}\n"), run.RunDir("parallel"))
        {
            LearnerOpened = l => parallelLearner = l,
        }.Run();
        var single = new MetricsLog(run.RunDir("single")).ReadAll();
        var parallel = new MetricsLog(run.RunDir("parallel")).ReadAll();

        AssertSameRun(run, single, parallel, $"{algorithm}: {workers} workers × {shards} shards");
        Assert.All(parallel, r => Assert.True(r.OldLogProbSeconds > 0, $"step {r.Step}: no old-log-prob pass"));
        Assert.All(parallel, r => Assert.Equal(r.ResponseTokens, r.MismatchTokens)); // π is the pass's, over every response token
        // The single learner's engine ran the pass and the steps; the parallel learner's ran no forward: both were the workers'.
        Assert.True(singleLearner!.Engine.ForwardPasses > 0);
        Assert.Equal(0, parallelLearner!.Engine.ForwardPasses);
        // Each worker computed its consecutive share of the 12 one-sequence micro-batches, every iteration.
        var step = Assert.IsType<LocalDistributedPolicyStep>(parallelLearner.DistributedStep);
        Assert.Equal(Enumerable.Range(0, workers).Select(w => 3 * Engine.Distributed.DataParallelShares.Of(12, workers, w).Count), step.OldLogProbMicroBatches);
        if (moe) Assert.Contains(parallel, r => r.RoutingMismatch > 0);
        Assert.True(single.Sum(r => r.SkippedSteps) < single.Count * 2, "every optimizer step was skipped");
    }

    [Theory]
    [InlineData("  expert_workers: 5\n", "the model has 4 experts")]
    [InlineData("  expert_workers: 2\nlora:\n  rank: 2\n  alpha: 4\n", "LoRA run")]
    public void Bad_expert_worker_counts_for_a_moe_model_are_refused_with_the_reason(string lines, string expected)
    {
        using var run = new TinyRun();
        MoeLoraTrainerTests.UseMoeModel(run);
        var e = Assert.Throws<RunSpecException>(() => run.Spec(run.Yaml(micro: 1) + $"\nparallel:\n{lines}"));
        Assert.Contains("parallel.expert_workers", e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>
    /// Replaces the tiny dense policy with a qwen3_moe one that behaves like it: every expert a copy of the layer's dense
    /// MLP and a small random router, so (top-k weights renormalised) the MoE output is the dense MLP's while tokens still
    /// spread over all experts — the policy earns reward and the policy gradient reaches every expert owner.
    /// </summary>
    /// <param name="nearTies">Expert 2's router row is expert 1's plus 1e-4 of noise: their scores nearly tie, so
    /// engines of different precision pick differently between them at some tokens (a non-zero routing mismatch).</param>
    private static void UseMoeModelOfTheDensePolicy(TinyRun run, bool nearTies = false)
    {
        var dense = ModelCheckpoint.Load(run.ModelDir);
        var config = dense.Config with
        {
            ModelType = "qwen3_moe", NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = dense.Config.IntermediateSize, NormTopKProb = true,
        };
        var layout = new ParameterLayout(config);
        var weights = new float[layout.TotalCount];
        var byName = dense.Layout.Parameters.ToDictionary(p => p.Name);
        var rng = new Random(9);
        foreach (var p in layout.Parameters)
        {
            string source = Regex.Replace(p.Name, @"\.mlp\.experts\.\d+\.", ".mlp.");
            var target = weights.AsSpan((int)p.Offset, (int)p.Count);
            if (byName.TryGetValue(source, out var d)) dense.Weights.AsSpan((int)d.Offset, (int)d.Count).CopyTo(target);
            else
            {
                for (int i = 0; i < target.Length; i++) target[i] = (float)(rng.NextDouble() - 0.5); // the router [experts, hidden]
                int hidden = target.Length / config.NumExperts;
                if (nearTies)
                    for (int i = 0; i < hidden; i++) target[2 * hidden + i] = target[hidden + i] + (float)((rng.NextDouble() - 0.5) * 1e-4);
            }
        }
        ModelCheckpoint.Save(run.ModelDir, config, layout, weights);
    }

    private static void AssertSameRun(TinyRun run, IReadOnlyList<IterationMetrics> single, IReadOnlyList<IterationMetrics> parallel, string what)
    {
        Assert.Equal(3, parallel.Count);
        for (int i = 0; i < 3; i++) Assert.Equal(single[i], parallel[i], MetricsComparer.Instance);
        Assert.Contains(single, r => r.GradNormMax > 0);
        string Step3(string name) => Path.Combine(run.RunDir(name), "checkpoints", "step-000003");
        var files = Directory.GetFiles(Step3("single")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(files, Directory.GetFiles(Step3("parallel")).Select(Path.GetFileName).Order().ToArray());
        foreach (var f in files)
            Assert.True(File.ReadAllBytes(Path.Combine(Step3("single"), f!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(Step3("parallel"), f!))),
                $"checkpoint file {f} differs between the single learner and {what}");
    }

    [Theory]
    [InlineData("gradient_workers: 0", "parallel.gradient_workers")]
    [InlineData("gradient_workers: 7", "only 6 micro-batches")]
    [InlineData("shards: 0", "parallel.shards")]
    [InlineData("shards: 100000", "whole tensors")]
    [InlineData("expert_workers: 2", "has no experts (expert parallelism needs qwen3_moe)")]
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

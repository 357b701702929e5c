using Orleans.Core.Internal;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// A qwen3_moe RL run with <c>parallel.expert_workers</c> on the cluster: each rollout worker's MoE experts run on its
/// ExpertWorker grains ("{run}/rollout/{worker}/expert/{E}/{o}"), the learner grain's training engine on the run's
/// learner group ("{run}/learner/train/expert/{E}/{o}") and each gradient worker's on its own
/// ("{run}/worker/{j}/train/expert/{E}/{o}"), the training groups on the learner-role silos; and the run's rows —
/// tokens, μ, routing mismatch, loss, weights — equal the embedded E = 1 run's bit for bit.
/// </summary>
public sealed class ExpertParallelRlRunOnGrainsTests(ExpertParallelCluster fixture, ITestOutputHelper output) : IClassFixture<ExpertParallelCluster>
{
    private const int Owners = 2;
    private static readonly string[] RolloutWorkers = ["rollout-a/0", "rollout-b/0"];

    [Fact]
    public async Task Rollouts_and_training_on_expert_worker_grains_give_the_embedded_single_holder_runs_rows()
    {
        using var run = new TinyRlRun();
        run.UseMoeModel();
        string yaml = run.Yaml(iterations: 2);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        Assert.All(embedded, r => Assert.NotNull(r.RoutingMismatch));

        const string runId = "experts";
        var records = await RunAsync(runId, yaml + $"\nparallel:\n  expert_workers: {Owners}\n");
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        Assert.All(records, r => Assert.NotNull(r.RoutingMismatch));

        // The experts ran on the grains, not in the rollout workers: every owner of every worker that sampled served rows,
        // and together they served at least one row per sampled response token (each is routed to k experts of every sparse layer).
        var client = fixture.Cluster.Client;
        var served = await Task.WhenAll(RolloutWorkers.SelectMany(w => Enumerable.Range(0, Owners).Select(o =>
            client.GetGrain<IExpertWorkerGrain>($"{ExpertGroups.Rollout(runId, w)}/expert/{Owners}/{o}").GetRowsServed())));
        long responseTokens = records.Sum(r => (long)r.ResponseTokens);
        Assert.True(responseTokens > 0 && served.Sum() >= responseTokens,
            $"expert workers served {served.Sum()} rows for {responseTokens} response tokens");
        output.WriteLine($"rollout expert workers: rows per owner {string.Join(", ", served)} for {responseTokens} response tokens");
        for (int w = 0; w < RolloutWorkers.Length; w++)
            Assert.True(served[w * Owners] > 0 == served[w * Owners + 1] > 0, $"worker {RolloutWorkers[w]}: rows per owner {served[w * Owners]}, {served[w * Owners + 1]}");

        // Unsharded, the learner grain's engine trains every step: its experts ran forward and backward on the learner
        // group's grains (every response token is a trained row of k experts per sparse layer), spread over the learner silos.
        await AssertTrainedOnGrainsAsync(ExpertGroups.Learner(runId), responseTokens);
    }

    /// <remarks>
    /// grpo needs π_θ', which the gradient workers compute (as they train) on their own groups. As in <see cref="ShardedRlRunOnGrainsTests"/>, a router of near ties with bf16 rollouts against fp16
    /// training makes the routing mismatch to compare non-zero.
    /// </remarks>
    [Fact]
    public async Task A_sharded_run_trains_its_experts_on_each_gradient_workers_grains_bit_identically_to_the_embedded_single_learner()
    {
        using var run = new TinyRlRun();
        run.UseNearTiedMoeModel();
        string yaml = run.Yaml(iterations: 3, algorithm: "grpo").Replace("rollout: fp16", "rollout: bf16", StringComparison.Ordinal);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        Assert.Contains(embedded, r => r.RoutingMismatch > 0);
        output.WriteLine($"routing mismatch per step: {string.Join(", ", embedded.Select(r => r.RoutingMismatch))}");

        const string runId = "experts-sharded";
        const int workers = 2;
        var records = await RunAsync(runId, yaml + $"\nparallel:\n  gradient_workers: {workers}\n  shards: 3\n  expert_workers: {Owners}\n");
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));

        // Each gradient worker trained its share's experts, and ran its share of the old-log-prob pass, on its own group;
        // each worker's share is half of every mini-batch. The learner's engine ran no pass, so no learner group served a row.
        long responseTokens = records.Sum(r => (long)r.ResponseTokens);
        for (int j = 0; j < workers; j++)
            await AssertTrainedOnGrainsAsync(ExpertGroups.GradientWorker(ShardKeys.Worker(runId, j)), responseTokens / workers);
        var learnerRows = await Task.WhenAll(Enumerable.Range(0, Owners).Select(o =>
            fixture.Cluster.Client.GetGrain<IExpertWorkerGrain>($"{ExpertGroups.Learner(runId)}/expert/{Owners}/{o}").GetTrainingRowsServed()));
        Assert.All(learnerRows, rows => Assert.Equal(0L, rows));
    }

    /// <remarks>
    /// A rollout expert worker whose activation goes away mid-run (as when its silo dies: the grain comes back empty and
    /// answers <see cref="DistributedStateLostException"/>) must not fail its rollout worker forever: the worker loads the
    /// version, and with it every owner's experts, again on its next round. Deactivating the owners stands in for the kill
    /// without depending on where the default placement put them.
    /// </remarks>
    [Fact]
    public async Task A_rollout_expert_worker_that_loses_its_experts_mid_run_is_loaded_again_and_the_run_equals_the_embedded_learner()
    {
        using var run = new TinyRlRun();
        run.UseMoeModel();
        const int iterations = 8;
        string yaml = run.Yaml(iterations: iterations);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));

        const string runId = "experts-rollout-lost";
        var client = fixture.Cluster.Client;
        await client.GetGrain<IRunGrain>(runId).Submit(yaml + $"\nparallel:\n  expert_workers: {Owners}\n");
        await fixture.Cluster.WaitAsync(runId, s => s.Step >= 1, TimeSpan.FromSeconds(120));
        var owners = RolloutWorkers.SelectMany(w => Enumerable.Range(0, Owners).Select(o =>
            client.GetGrain<IExpertWorkerGrain>($"{ExpertGroups.Rollout(runId, w)}/expert/{Owners}/{o}"))).ToArray();
        await Task.WhenAll(owners.Select(o => o.Cast<IGrainManagementExtension>().DeactivateOnIdle().AsTask()));
        int stepAtLoss = (await client.GetGrain<IRunGrain>(runId).GetStatus()).Step;
        Assert.True(stepAtLoss < iterations - 1, $"the run was at step {stepAtLoss} of {iterations} when its rollout experts were dropped: make it longer");

        var status = await fixture.Cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        SameMetrics.Assert(embedded, await client.GetGrain<IRunGrain>(runId).GetMetrics(0), SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        // The new activations were loaded and served the rounds after the loss (their counters start at zero).
        var served = await Task.WhenAll(owners.Select(o => o.GetRowsServed()));
        output.WriteLine($"dropped the rollout experts after step {stepAtLoss}; rows served since, per owner: {string.Join(", ", served)}");
        Assert.True(served.Sum() > 0, "no rollout expert worker served a row after the loss");
    }

    private async Task<IReadOnlyList<IterationRecord>> RunAsync(string runId, string yaml)
    {
        var client = fixture.Cluster.Client;
        await client.GetGrain<IRunGrain>(runId).Submit(yaml);
        var status = await fixture.Cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        return await client.GetGrain<IRunGrain>(runId).GetMetrics(0);
    }

    /// <summary>
    /// Every owner of training group <paramref name="group"/> ran training rows, at least <paramref name="minRows"/> in all,
    /// and owner o sits on learner-role silo o mod 2 (sorted by address).
    /// </summary>
    private async Task AssertTrainedOnGrainsAsync(string group, long minRows)
    {
        var client = fixture.Cluster.Client;
        var owners = Enumerable.Range(0, Owners).Select(o => client.GetGrain<IExpertWorkerGrain>($"{group}/expert/{Owners}/{o}")).ToArray();
        var rows = await Task.WhenAll(owners.Select(o => o.GetTrainingRowsServed()));
        Assert.True(minRows > 0 && rows.All(r => r > 0) && rows.Sum() >= minRows,
            $"training group {group}: rows per owner {string.Join(", ", rows)}, expected each > 0 and at least {minRows} in all");
        output.WriteLine($"training group {group}: rows per owner {string.Join(", ", rows)} (at least {minRows} expected)");
        var management = client.GetGrain<IManagementGrain>(0);
        for (int o = 0; o < Owners; o++)
            Assert.Equal(fixture.LearnerSilos[o % fixture.LearnerSilos.Length], await management.GetActivationAddress(owners[o]));
    }
}

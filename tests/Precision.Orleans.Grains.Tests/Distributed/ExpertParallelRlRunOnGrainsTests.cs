using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// A qwen3_moe RL run with <c>parallel.expert_workers</c> on the cluster: each rollout worker's MoE experts run on its
/// ExpertWorker grains ("{run}/rollout/{worker}/expert/{E}/{o}"), and the run's rows — tokens, μ, routing mismatch,
/// loss, weights — equal the embedded E = 1 run's bit for bit.
/// </summary>
public sealed class ExpertParallelRlRunOnGrainsTests
{
    [Fact]
    public async Task Rollouts_on_expert_worker_grains_give_the_embedded_single_holder_runs_rows()
    {
        using var run = new TinyRlRun();
        run.UseMoeModel();
        string yaml = run.Yaml(iterations: 2);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        Assert.All(embedded, r => Assert.NotNull(r.RoutingMismatch));

        const string runId = "experts";
        const int owners = 2;
        string[] workers = ["rollout-a/0", "rollout-b/0"];
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.StartSiloAsync("rollout-b", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(yaml + $"\nparallel:\n  expert_workers: {owners}\n");
        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(90));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        var records = await cluster.Client.GetGrain<IRunGrain>(runId).GetMetrics(0);
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        Assert.All(records, r => Assert.NotNull(r.RoutingMismatch));

        // The experts ran on the grains, not in the rollout workers: every owner of every worker that sampled served rows,
        // and together they served at least one row per sampled response token (each is routed to k experts of every sparse layer).
        var served = await Task.WhenAll(workers.SelectMany(w => Enumerable.Range(0, owners).Select(o =>
            cluster.Client.GetGrain<IExpertWorkerGrain>($"{runId}/rollout/{w}/expert/{owners}/{o}").GetRowsServed())));
        long responseTokens = records.Sum(r => (long)r.ResponseTokens);
        Assert.True(responseTokens > 0 && served.Sum() >= responseTokens,
            $"expert workers served {served.Sum()} rows for {responseTokens} response tokens");
        for (int w = 0; w < workers.Length; w++)
            Assert.True(served[w * owners] > 0 == served[w * owners + 1] > 0, $"worker {workers[w]}: rows per owner {served[w * owners]}, {served[w * owners + 1]}");
    }
}

using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// An unsharded expert-parallel run (expert_workers 2) loses the learner-role silo that holds one of its learner's
/// training ExpertWorker grains but not the learner grain: the failed step restarts the run from its last checkpoint,
/// the experts are loaded again on the survivor, and the run equals the embedded E = 1 run bit for bit.
/// </summary>
public sealed class ExpertParallelRunKillTests
{
    [Fact]
    public async Task An_expert_parallel_run_whose_expert_worker_silo_is_killed_restarts_from_its_checkpoint_and_equals_the_embedded_learner()
    {
        using var run = new TinyRlRun();
        run.UseMoeModel();
        string yaml = run.Yaml(iterations: 5);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        const string runId = "experts-kill";
        const int owners = 2;
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"), o => o with { ShardedRunRestartDelay = TimeSpan.FromMilliseconds(500) });
        var learners = new[] { await cluster.StartSiloAsync("learner-a", SiloRoles.Learner), await cluster.StartSiloAsync("learner-b", SiloRoles.Learner) };
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(yaml + $"\nparallel:\n  expert_workers: {owners}\n");
        await cluster.WaitAsync(runId, s => s.Step >= 1, TimeSpan.FromSeconds(120));

        // Kill (no goodbye) the learner-role silo that holds a learner expert worker but not the learner grain.
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var experts = Enumerable.Range(0, owners).Select(o => cluster.Client.GetGrain<IExpertWorkerGrain>($"{ExpertGroups.Learner(runId)}/expert/{owners}/{o}")).ToArray();
        var learnerSilo = await management.GetActivationAddress(cluster.Client.GetGrain<ILearnerGrain>(runId));
        var victim = learners.Single(h => !h.SiloAddress.Equals(learnerSilo));
        var expertSilos = await Task.WhenAll(experts.Select(e => management.GetActivationAddress(e).AsTask()));
        Assert.Contains(victim.SiloAddress, expertSilos);
        await cluster.KillAsync(victim);

        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        var records = await cluster.Client.GetGrain<IRunGrain>(runId).GetMetrics(0);
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));

        // The experts were loaded again on the survivor and trained there.
        var after = await Task.WhenAll(experts.Select(e => management.GetActivationAddress(e).AsTask()));
        Assert.All(after, a => Assert.Equal(learnerSilo, a));
        var rows = await Task.WhenAll(experts.Select(e => e.GetTrainingRowsServed()));
        Assert.All(rows, r => Assert.True(r > 0, $"training rows per owner after the kill: {string.Join(", ", rows)}"));
    }
}

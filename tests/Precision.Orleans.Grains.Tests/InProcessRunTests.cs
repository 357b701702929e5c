using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests;

/// <summary>
/// Distributed RL runs on an in-process Orleans cluster (TestingHost: learner silo + rollout silos, shared storage): equivalence with the embedded trainer, elasticity, exactly-once training, learner failover.
/// </summary>
public sealed class InProcessRunTests
{
    [Fact]
    public async Task Three_silos_give_the_embedded_trainers_metrics_bit_for_bit()
    {
        using var run = new TinyRlRun();
        string yaml = run.Yaml(iterations: 3);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));

        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.StartSiloAsync("rollout-b", SiloRoles.Rollout, rolloutSlots: 1);

        var submitted = await cluster.Client.GetGrain<IRunGrain>("eq").Submit(yaml);
        Assert.Equal("tiny-grains", submitted.Name);
        var status = await cluster.WaitAsync("eq", s => s.State == RunState.Completed, TimeSpan.FromSeconds(60));
        Assert.Equal(3, status.Step);

        var records = await cluster.Client.GetGrain<IRunGrain>("eq").GetMetrics(0);
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        // Both rollout silos did work: the equality above does not come from one worker doing everything.
        var trained = await cluster.Client.GetGrain<IRunGrain>("eq").GetTrainedGroups();
        Assert.Equal(["rollout-a/0", "rollout-b/0"], trained.Select(t => t.WorkerKey).Distinct().Order());
        AssertExactlyOnce(trained, steps: 3, prompts: 4);
    }

    [Fact]
    public async Task A_rollout_silo_joining_gets_work_and_one_killed_mid_run_loses_no_group()
    {
        using var run = new TinyRlRun();
        // Long enough that the join and the kill land mid-run even on a quiet machine (a tiny step takes 20–100 ms).
        const int iterations = 150;
        string yaml = run.Yaml(iterations: iterations, checkpointEvery: 10, prompts: 6);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));

        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        var first = await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        var runGrain = cluster.Client.GetGrain<IRunGrain>("elastic");
        await runGrain.Submit(yaml);
        await cluster.WaitAsync("elastic", s => s.Step >= 2, TimeSpan.FromSeconds(60));

        // Join: the new silo's worker trains groups within a few seconds.
        var joinedAt = DateTime.UtcNow;
        await cluster.StartSiloAsync("rollout-b", SiloRoles.Rollout, rolloutSlots: 1);
        while (!(await runGrain.GetTrainedGroups()).Any(t => t.WorkerKey == "rollout-b/0"))
        {
            Assert.True(DateTime.UtcNow - joinedAt < TimeSpan.FromSeconds(5), "the joined rollout silo got no work within 5 s");
            await Task.Delay(20);
        }
        // Crash: rollout-a vanishes without a word (no deactivation, no leave); its groups go to rollout-b.
        await cluster.KillAsync(first);
        int stepAtKill = (await runGrain.GetStatus()).Step;
        Assert.True(stepAtKill < iterations, $"the run finished (step {stepAtKill}) before the kill: make it longer");
        var status = await cluster.WaitAsync("elastic", s => s.State == RunState.Completed, TimeSpan.FromSeconds(60));
        Assert.Equal(iterations, status.Step);

        var trained = await runGrain.GetTrainedGroups();
        AssertExactlyOnce(trained, steps: iterations, prompts: 6);
        Assert.All(trained.Where(t => t.Step > stepAtKill + 1), t => Assert.Equal("rollout-b/0", t.WorkerKey));
        // Nothing lost or double-counted shows as identical training: the run equals the undisturbed embedded one.
        SameMetrics.Assert(embedded, await runGrain.GetMetrics(0), SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        Assert.Empty(await runGrain.GetResumes());
    }

    [Fact]
    public async Task A_restarted_learner_silo_resumes_from_the_last_checkpoint()
    {
        using var run = new TinyRlRun();
        // Long enough that the learner is killed mid-run even on a quiet machine (a tiny step takes 20–100 ms).
        const int iterations = 150;
        string yaml = run.Yaml(iterations: iterations, checkpointEvery: 3);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));

        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        var learner = await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        var runGrain = cluster.Client.GetGrain<IRunGrain>("failover");
        await runGrain.Submit(yaml);
        await cluster.WaitAsync("failover", s => s.Step >= 4, TimeSpan.FromSeconds(60));

        int trainedBeforeKill = (await runGrain.GetStatus()).Step;
        await cluster.KillAsync(learner);
        Assert.True(trainedBeforeKill < iterations, $"the run finished (step {trainedBeforeKill}) before the kill: make it longer");
        await cluster.WaitDeadAsync("learner", TimeSpan.FromSeconds(30));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        var status = await cluster.WaitAsync("failover", s => s.State == RunState.Completed, TimeSpan.FromSeconds(60));
        Assert.Equal(iterations, status.Step);

        var resumes = await runGrain.GetResumes();
        Assert.True(resumes.Count == 1, $"expected one resume, got {resumes.Count}; killed after step {trainedBeforeKill}; status {status}; " +
            $"records {(await runGrain.GetMetrics(0)).Count}");
        var resume = resumes[0];
        Assert.Equal(0, resume.CheckpointStep % 3); // checkpoints are at every third step
        // In process the aborted silo's loop may still finish the step it was in (a real SIGKILL would not), so the
        // resume point is the newest complete checkpoint at or after the one before the kill.
        Assert.True(resume.CheckpointStep >= trainedBeforeKill - trainedBeforeKill % 3, $"resumed from step {resume.CheckpointStep}, killed after step {trainedBeforeKill}");
        // Progress is written before its checkpoint: a kill between the two loses at most checkpoint_every (3) steps.
        Assert.True(resume.LastTrainedStep - resume.CheckpointStep <= 3, $"lost {resume.LastTrainedStep - resume.CheckpointStep} steps, more than since the last checkpoint");
        AssertExactlyOnce(await runGrain.GetTrainedGroups(), steps: iterations, prompts: 4);
        // Exact resume: the failed-over run equals the uninterrupted embedded one.
        SameMetrics.Assert(embedded, await runGrain.GetMetrics(0), SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
    }

    [Fact]
    public async Task A_bad_spec_is_refused_at_submit_with_the_reason_and_nothing_is_stored()
    {
        using var run = new TinyRlRun();
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        var bad = run.Yaml().Replace("group_size: 4", "group_size: 1");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IRunGrain>("bad").Submit(bad));
        Assert.Contains("batch.group_size", e.Message);
        Assert.Empty(await cluster.Client.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).List());
        Assert.Equal("", await cluster.Client.GetGrain<IRunGrain>("bad").GetSpec());
    }

    [Fact]
    public async Task A_group_whose_worker_is_gone_is_redispatched_to_another_and_trained_once()
    {
        using var run = new TinyRlRun();
        string yaml = run.Yaml(iterations: 3);
        var embedded = EmbeddedReference.Run(yaml, Path.Combine(run.Root, "embedded"));
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        // A worker whose silo does not exist, registered as if it lived on a live silo: the pool hands it out first
        // (least busy, nothing completed), every call to it fails, and the group must go to the real worker instead.
        var pool = cluster.Client.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key);
        // The silo registers its own workers from a start hook: wait for that first, since a silo's registration
        // replaces the workers listed for it (and would drop "gone/0" if it came later).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await pool.List()).Any(w => w.WorkerKey == "rollout-a/0"))
        {
            Assert.True(DateTime.UtcNow < deadline, "rollout-a's worker did not register within 30 s");
            await Task.Delay(20);
        }
        await pool.Register("gone/0", "rollout-a");
        await cluster.Client.GetGrain<IRunGrain>("redispatch").Submit(yaml);
        await cluster.WaitAsync("redispatch", s => s.State == RunState.Completed, TimeSpan.FromSeconds(60));

        var runGrain = cluster.Client.GetGrain<IRunGrain>("redispatch");
        var trained = await runGrain.GetTrainedGroups();
        AssertExactlyOnce(trained, steps: 3, prompts: 4);
        Assert.All(trained, t => Assert.Equal("rollout-a/0", t.WorkerKey));
        Assert.Contains(trained, t => t.Attempts > 1);
        var records = await runGrain.GetMetrics(0);
        Assert.True(records.Sum(r => r.Redispatches) > 0);
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
    }

    [Fact]
    public async Task A_cancelled_run_stops_after_the_current_step_and_says_so()
    {
        using var run = new TinyRlRun();
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        var runGrain = cluster.Client.GetGrain<IRunGrain>("cancel");
        await runGrain.Submit(run.Yaml(iterations: 500));
        await cluster.WaitAsync("cancel", s => s.Step >= 1, TimeSpan.FromSeconds(30));
        await runGrain.Cancel();
        var status = await cluster.WaitAsync("cancel", s => s.State == RunState.Cancelled, TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        var after = await runGrain.GetStatus();
        Assert.Equal(RunState.Cancelled, after.State);
        Assert.True(after.Step < 500 && after.Step == status.Step, $"the run went on after cancel: step {status.Step} then {after.Step}");
        AssertExactlyOnce(await runGrain.GetTrainedGroups(), steps: after.Step, prompts: 4);
        var listed = Assert.Single(await cluster.Client.GetGrain<IRunRegistryGrain>(IRunRegistryGrain.Key).List());
        Assert.Equal("cancel", listed.RunId);
    }

    /// <summary>The ledger holds every (step, prompt index) of the run once, and nothing else.</summary>
    internal static void AssertExactlyOnce(IReadOnlyList<TrainedGroup> trained, int steps, int prompts)
    {
        var expected = Enumerable.Range(1, steps).SelectMany(s => Enumerable.Range(0, prompts).Select(p => (s, p))).ToList();
        var actual = trained.Select(t => (t.Step, t.PromptIndex)).Order().ToList();
        Assert.Equal(expected, actual);
    }
}

using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// An RL run with <c>parallel</c> on the cluster: the learner grain's optimizer steps go to the run's parameter-shard and
/// gradient-worker grains, whose policy-loss gradients must give the embedded single learner's rows and weights bit for bit;
/// the silos' weight caches fetch the versions from the shards.
/// </summary>
public sealed class ShardedRlRunOnGrainsTests(ITestOutputHelper output)
{
    /// <remarks>
    /// The qwen3_moe case: the gradient workers send π's expert routing back with each micro-batch's outcome, so the
    /// routing mismatch (pg-seq-is: π is the first mini-batch's training pass; bf16 rollouts against fp16 training and a
    /// router of near ties make it non-zero) is the embedded learner's, not empty.
    /// </remarks>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task A_parallel_rl_run_trains_on_shard_and_worker_grains_bit_identically_to_the_embedded_single_learner(bool lora, bool moe)
    {
        using var run = new TinyRlRun();
        if (moe) run.UseNearTiedMoeModel();
        string single = run.Yaml(iterations: 3) + (lora ? "\nlora:\n  rank: 2\n  alpha: 4\n" : "");
        if (moe) single = single.Replace("rollout: fp16", "rollout: bf16", StringComparison.Ordinal);
        var embedded = EmbeddedReference.Run(single, Path.Combine(run.Root, "embedded"));
        if (moe) Assert.Contains(embedded, r => r.RoutingMismatch > 0);
        string runId = lora ? "sharded-lora" : moe ? "sharded-moe" : "sharded";
        const int shards = 3;
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        await cluster.StartSiloAsync("learner-a", SiloRoles.Learner);
        await cluster.StartSiloAsync("learner-b", SiloRoles.Learner);
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.StartSiloAsync("rollout-b", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(single + $"\nparallel:\n  gradient_workers: 2\n  shards: {shards}\n");
        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        var records = await cluster.Client.GetGrain<IRunGrain>(runId).GetMetrics(0);
        SameMetrics.Assert(embedded, records, lora ? null : SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));
        if (moe) Assert.All(records, r => Assert.NotNull(r.RoutingMismatch));

        // The steps went through the grains: every shard logged each optimizer step (3 steps × 2 mini-batches) with the
        // same decision, in step order, and the applied ones moved its version.
        var logs = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => cluster.Client.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s)).GetLog()));
        const int optimizerSteps = 3 * 2; // iterations × batch.mini_batches of TinyRlRun
        Assert.Equal(3, records.Count);
        foreach (var log in logs)
        {
            Assert.Equal(Enumerable.Range(0, optimizerSteps).Select(i => (long)i), log.Select(e => e.Step));
            Assert.Equal(logs[0].Select(e => (e.Applied, e.LossScale, e.Version)), log.Select(e => (e.Applied, e.LossScale, e.Version)));
        }
        Assert.Equal(logs[0].Count(e => e.Applied), logs[0][^1].Version);
        Assert.Equal(optimizerSteps - records.Sum(r => r.SkippedSteps), logs[0].Count(e => e.Applied));
        Assert.Contains(logs[0], e => e.Applied);

        // The shards and gradient workers were spread round-robin by index over the two learner-role silos, not
        // activated beside the learner grain: shard 0 and 2 share a silo, shard 1 and worker 1 are on the other.
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var shardSilos = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => management.GetActivationAddress(cluster.Client.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s))).AsTask()));
        var workerSilos = await Task.WhenAll(Enumerable.Range(0, 2).Select(w => management.GetActivationAddress(cluster.Client.GetGrain<IGradientWorkerGrain>(ShardKeys.Worker(runId, w))).AsTask()));
        Assert.All(shardSilos.Concat(workerSilos), Assert.NotNull);
        Assert.NotEqual(shardSilos[0], shardSilos[1]);
        Assert.Equal(shardSilos[0], shardSilos[2]);
        Assert.NotEqual(workerSilos[0], workerSilos[1]);
        Assert.Equal(shardSilos[0], workerSilos[0]);

        // A silo's weight cache assembles a full-fine-tuning version from the shards (hash-checked), not from the learner;
        // LoRA versions (frozen base + adapters) still come from the learner.
        long version = records[^1].WeightVersion;
        var payload = await cluster.Client.GetGrain<IWeightCacheGrain>(runId).Get(runId, version, version);
        Assert.Equal(!lora, payload.FromShards);
        Assert.Equal(version, payload.Manifest.Version);
        Assert.Equal(records[^1].WeightHash, payload.Manifest.Sha256);

        // Every checkpoint is sharded: one slice per shard written by the shard grains and the learner's manifests, no
        // full weight or optimizer file; loaded, it holds the embedded single learner's numbers of that step bit for bit.
        string runDir = Path.Combine(run.Root, "runs", runId), embeddedDir = Path.Combine(run.Root, "embedded");
        foreach (int step in new[] { 2, 3 })
            ShardedCheckpointChecks.AssertShardedAndEqual(runDir, embeddedDir, step, shards, run.ModelDir);
        output.WriteLine(ShardedCheckpointChecks.Figures(runDir, embeddedDir, 3, ShardedCheckpointChecks.AssertShardedAndEqual(runDir, embeddedDir, 3, shards, run.ModelDir).M.Length));
        if (moe) return;
        string sharded = single + $"\nparallel:\n  gradient_workers: 2\n  shards: {shards}\n";
        ShardedCheckpointChecks.AssertCorruptionRefused(runDir, sharded, Path.Combine(run.Root, "scratch"), newest: 3);

        // The slices are placed by offset, so the single learner (no parallel section) resumes the sharded checkpoint too.
        string singleResume = Path.Combine(run.Root, "scratch", "single-resume");
        ShardedCheckpointChecks.CopyDirectory(runDir, singleResume);
        var opened = RL.Training.LearnerStart.Open(RL.Spec.RunSpecLoader.Parse(single, "single spec"), singleResume);
        Assert.Equal(3, opened.StartStep);
        var step3 = ShardedCheckpointChecks.AssertShardedAndEqual(runDir, embeddedDir, 3, shards, run.ModelDir);
        ShardedCheckpointChecks.AssertBits(step3.Weights ?? step3.Adapters, opened.Learner.Engine.TrainedWeights, "single learner's weights resumed from the slices");
        ShardedCheckpointChecks.AssertBits(step3.V, opened.Learner.Engine.Optimizer.V, "single learner's exp_avg_sq resumed from the slices");

        // Resume from the sharded checkpoint of step 2 (the run's directory without step 3, under another run id): the
        // learner grain trains step 3 again and reaches the undisturbed run's step-3 checkpoint bit for bit.
        string resumedId = runId + "-resumed", resumedDir = Path.Combine(run.Root, "runs", resumedId);
        ShardedCheckpointChecks.CopyDirectory(runDir, resumedDir);
        Directory.Delete(Path.Combine(resumedDir, "checkpoints", "step-000003"), recursive: true);
        await cluster.Client.GetGrain<IRunGrain>(resumedId).Submit(sharded);
        var resumedStatus = await cluster.WaitAsync(resumedId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(resumedStatus.State == RunState.Completed, $"resumed run ended {resumedStatus.State}: {resumedStatus.Error}");
        var resumedRecords = await cluster.Client.GetGrain<IRunGrain>(resumedId).GetMetrics(0);
        Assert.Equal([3], resumedRecords.Select(r => r.Step));
        Assert.Equal(records[^1].WeightHash, resumedRecords[^1].WeightHash);
        var undisturbed = ShardedCheckpointChecks.AssertShardedAndEqual(runDir, embeddedDir, 3, shards, run.ModelDir);
        var resumed = ShardedCheckpointChecks.AssertShardedAndEqual(resumedDir, embeddedDir, 3, shards, run.ModelDir);
        ShardedCheckpointChecks.AssertBits(undisturbed.Weights, resumed.Weights, "resumed run's master weights");
        ShardedCheckpointChecks.AssertBits(undisturbed.Adapters, resumed.Adapters, "resumed run's adapters");
    }

    [Fact]
    public async Task A_sharded_run_whose_shard_silo_is_killed_mid_run_restarts_from_its_last_checkpoint_and_equals_the_embedded_learner()
    {
        using var run = new TinyRlRun();
        string single = run.Yaml(iterations: 5);
        var embedded = EmbeddedReference.Run(single, Path.Combine(run.Root, "embedded"));
        const string runId = "sharded-kill";
        const int shards = 3;
        await using var cluster = new RlCluster(Path.Combine(run.Root, "runs"));
        var learners = new[] { await cluster.StartSiloAsync("learner-a", SiloRoles.Learner), await cluster.StartSiloAsync("learner-b", SiloRoles.Learner) };
        await cluster.StartSiloAsync("rollout-a", SiloRoles.Rollout, rolloutSlots: 1);
        await cluster.Client.GetGrain<IRunGrain>(runId).Submit(single + $"\nparallel:\n  gradient_workers: 2\n  shards: {shards}\n");
        int trainedBeforeKill = (await cluster.WaitAsync(runId, s => s.Step >= 1, TimeSpan.FromSeconds(120))).Step;

        // Kill (no goodbye) the learner-role silo that holds shards but not the learner grain.
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var learnerSilo = await management.GetActivationAddress(cluster.Client.GetGrain<ILearnerGrain>(runId));
        var victim = learners.Single(h => !h.SiloAddress.Equals(learnerSilo));
        var shardSilos = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => management.GetActivationAddress(cluster.Client.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s))).AsTask()));
        Assert.Contains(victim.SiloAddress, shardSilos);
        await cluster.KillAsync(victim);

        var status = await cluster.WaitAsync(runId, s => s.State is RunState.Completed or RunState.Failed, TimeSpan.FromSeconds(120));
        Assert.True(status.State == RunState.Completed, $"run ended {status.State}: {status.Error}");
        var records = await cluster.Client.GetGrain<IRunGrain>(runId).GetMetrics(0);
        SameMetrics.Assert(embedded, records, SameMetrics.FinalWeightsHash(Path.Combine(run.Root, "embedded")));

        // The shards' own logs (durable) outlived the kill: the killed silo's shards still show every step they applied
        // before it. No shard ever applied a step another skipped, in any attempt; the last attempt — initialized again
        // from a checkpoint after step 0, on the survivor — logged every optimizer step from its checkpoint to the end.
        const int miniBatches = 2; // batch.mini_batches of TinyRlRun
        var logs = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => cluster.Client.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s)).GetLog()));
        int firstAttempt = logs.SelectMany(l => l).Min(e => e.Attempt);
        foreach (int s in Enumerable.Range(0, shards).Where(s => shardSilos[s]!.Equals(victim.SiloAddress)))
            Assert.Superset(Enumerable.Range(0, trainedBeforeKill * miniBatches).Select(i => (long)i).ToHashSet(),
                logs[s].Where(e => e.Attempt == firstAttempt).Select(e => e.Step).ToHashSet());
        foreach (var step in logs.SelectMany(l => l).GroupBy(e => (e.Attempt, e.Step)))
            Assert.Single(step.Select(e => (e.Applied, e.LossScale, e.Version)).Distinct());
        var resume = (await cluster.Client.GetGrain<IRunGrain>(runId).GetResumes())[^1];
        Assert.True(resume.CheckpointStep > 0, "the run restarted from scratch, not from a checkpoint");
        int lastAttempt = logs.SelectMany(l => l).Max(e => e.Attempt);
        Assert.True(lastAttempt > firstAttempt, "the shards logged one attempt only: no restart happened");
        foreach (var log in logs)
            Assert.Equal(Enumerable.Range(resume.CheckpointStep * miniBatches, (5 - resume.CheckpointStep) * miniBatches).Select(i => (long)i),
                log.Where(e => e.Attempt == lastAttempt).Select(e => e.Step));
        var after = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => management.GetActivationAddress(cluster.Client.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s))).AsTask()));
        Assert.All(after, a => Assert.Equal(learnerSilo, a));
    }
}

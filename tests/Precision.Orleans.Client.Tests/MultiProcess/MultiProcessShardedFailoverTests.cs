using System.Globalization;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Client.Tests.Console;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.RL.Checkpoints;
using Xunit;
using Xunit.Abstractions;

namespace Precision.Orleans.Client.Tests.MultiProcess;

/// <summary>
/// A sharded run (<c>parallel: {gradient_workers: 2, shards: 3}</c>) on real silo processes on redis-server: its shards
/// and gradient workers spread over two learner-role silos; SIGKILLing the one that holds shards but not the learner
/// grain makes the learner restart from its last checkpoint with the shards on the survivor, and the run completes
/// equal to the undisturbed embedded single learner. SIGKILLing the silo of the learner grain itself (it holds shards
/// too) and restarting it resumes the run from its last sharded checkpoint, again equal to the embedded learner. In
/// both, the shards' own logs (on Redis) outlive the kill: the killed silo's shards still show the steps they applied
/// before it, no shard of any attempt applied a step another skipped, and the last attempt logged the whole run from
/// its checkpoint on. SIGKILLing a third learner-role silo that holds only a gradient worker restarts nothing: the
/// worker's share is retried (on another worker, then on itself activated again) and the shards log one attempt.
/// </summary>
public sealed class MultiProcessShardedFailoverTests(ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private const int Steps = 40;
    private const int Prompts = 4;
    private const int Shards = 3;
    private const int CheckpointEvery = 5;

    [Fact]
    public async Task A_SIGKILLed_shard_silo_makes_the_learner_restart_from_its_sharded_checkpoint_and_the_run_equals_the_embedded_learner()
    {
        await using var cluster = new SiloCluster();
        var (learners, single, run) = await StartShardedRunAsync(cluster, "sharded-kill");

        // The shards sit on both learner-role silos; kill the one without the learner grain.
        var management = cluster.Client.Grains.GetGrain<IManagementGrain>(0);
        var learnerSilo = await management.GetActivationAddress(cluster.Client.Grains.GetGrain<ILearnerGrain>("sharded-kill"));
        Assert.NotNull(learnerSilo);
        var shardSilos = await Task.WhenAll(Enumerable.Range(0, Shards).Select(s =>
            management.GetActivationAddress(cluster.Client.Grains.GetGrain<IParameterShardGrain>(ShardKeys.Shard("sharded-kill", s))).AsTask()));
        Assert.Equal(2, shardSilos.Select(s => s!.Endpoint.Port).Distinct().Count());
        var victim = learners.Single(p => p.SiloPort != learnerSilo.Endpoint.Port);
        int recordedBeforeKill = (await run.GetStatus()).Step;
        victim.Kill();
        int trainedBeforeKill = (await cluster.WaitAsync("sharded-kill", _ => true, TimeSpan.FromSeconds(30))).Step;
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: SIGKILL {victim.Name} (shards on ports {string.Join(",", shardSilos.Select(s => s!.Endpoint.Port))}, learner on {learnerSilo.Endpoint.Port}) after step {trainedBeforeKill}");
        Assert.True(trainedBeforeKill < Steps - 5, $"the run was at step {trainedBeforeKill} of {Steps} at the kill: make it longer");

        var status = await cluster.WaitAsync("sharded-kill", s => s.State == RunState.Completed, TimeSpan.FromSeconds(120));
        Assert.Equal(Steps, status.Step);
        // The shards were initialized again from a checkpoint after the kill, all on the survivor.
        await AssertShardLogsAsync(cluster, "sharded-kill", shardSilos, victim, recordedBeforeKill);
        WriteRestartReasons(learners);
        RunLedger.AssertExactlyOnce(await run.GetTrainedGroups(), Steps, Prompts);
        RunLedger.AssertSame(RunLedger.Embedded(single, cluster.Tiny.Root, Path.Combine(cluster.Tiny.Root, "embedded")), await run.GetMetrics(0));
    }

    [Fact]
    public async Task A_SIGKILLed_learner_silo_of_a_sharded_run_restarted_resumes_from_the_sharded_checkpoint()
    {
        await using var cluster = new SiloCluster();
        var (learners, single, run) = await StartShardedRunAsync(cluster, "sharded-learner-kill");

        var management = cluster.Client.Grains.GetGrain<IManagementGrain>(0);
        var learnerSilo = await management.GetActivationAddress(cluster.Client.Grains.GetGrain<ILearnerGrain>("sharded-learner-kill"));
        Assert.NotNull(learnerSilo);
        var victim = learners.Single(p => p.SiloPort == learnerSilo.Endpoint.Port);
        var shardSilos = await Task.WhenAll(Enumerable.Range(0, Shards).Select(s =>
            management.GetActivationAddress(cluster.Client.Grains.GetGrain<IParameterShardGrain>(ShardKeys.Shard("sharded-learner-kill", s))).AsTask()));
        Assert.Contains(shardSilos, s => s!.Endpoint.Port == victim.SiloPort);
        int recordedBeforeKill = (await run.GetStatus()).Step;
        victim.Kill();
        int trainedBeforeKill = (await cluster.WaitAsync("sharded-learner-kill", _ => true, TimeSpan.FromSeconds(30))).Step;
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: SIGKILL {victim.Name} (the learner grain's silo) after step {trainedBeforeKill}");
        Assert.True(trainedBeforeKill < Steps - 5, $"the run was at step {trainedBeforeKill} of {Steps} at the kill: make it longer");
        // The checkpoints the dead learner left (the resume takes one of them: a new learner writes only after resuming),
        // each written by the shards: their slices and the manifests, no full weight or optimizer file.
        var sharded = ShardedCheckpointSteps(Path.Combine(cluster.RunsRoot, "sharded-learner-kill"));
        Assert.NotEmpty(sharded);
        var restarted = await cluster.StartSiloAsync(victim.Name, "learner");
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: {victim.Name} restarted");

        var status = await cluster.WaitAsync("sharded-learner-kill", s => s.State == RunState.Completed, TimeSpan.FromSeconds(180));
        Assert.Equal(Steps, status.Step);
        var resumes = await run.GetResumes();
        Assert.NotEmpty(resumes);
        var resume = resumes[0];
        output.WriteLine($"resumed from checkpoint {resume.CheckpointStep}, last trained before: {resume.LastTrainedStep} ({resumes.Count} resume(s))");
        Assert.Equal(0, resume.CheckpointStep % CheckpointEvery);
        Assert.True(resume.CheckpointStep > 0, "the run started over instead of resuming from a sharded checkpoint");
        Assert.InRange(resume.LastTrainedStep - resume.CheckpointStep, 0, CheckpointEvery);
        Assert.True(sharded.Contains(resume.CheckpointStep), $"resumed from checkpoint {resume.CheckpointStep}, not one of the sharded checkpoints {string.Join(", ", sharded)}");
        await AssertShardLogsAsync(cluster, "sharded-learner-kill", shardSilos, victim, recordedBeforeKill);
        WriteRestartReasons([.. learners, restarted]);
        RunLedger.AssertExactlyOnce(await run.GetTrainedGroups(), Steps, Prompts);
        RunLedger.AssertSame(RunLedger.Embedded(single, cluster.Tiny.Root, Path.Combine(cluster.Tiny.Root, "embedded")), await run.GetMetrics(0));
    }

    /// <remarks>
    /// Three learner-role silos, 2 shards and 3 gradient workers (3 micro-batches of 4 rows per step, one per worker): by
    /// the placement rule worker 2 is alone on the third silo by address, with no shard and not the learner grain. Its
    /// SIGKILL loses no run state, so the run must not restart: the share of worker 2 is re-assigned to worker 0 and
    /// the step computed from the same weights, every step after too. Asserted: no resume, the shards' logs hold one
    /// attempt with every step once, in order, agreed by both shards; the learner logged the re-assigned shares; each
    /// group trained once and the metrics equal the embedded single learner's.
    /// </remarks>
    [Fact]
    public async Task A_SIGKILLed_silo_holding_only_a_gradient_worker_has_its_share_reassigned_without_a_restart_and_equals_the_embedded_learner()
    {
        const string runId = "worker-kill";
        const int workers = 3, shards = 2;
        await using var cluster = new SiloCluster();
        var (learners, single, run) = await StartShardedRunAsync(cluster, runId, learnerSilos: 3, gradientWorkers: workers, shards: shards,
            microBatchSequences: 4, learnerOnFirstSilo: true);

        // Where the grains are, as the silos placed them: the victim is the silo of worker 2, which must hold nothing else of the run's learner.
        var grains = cluster.Client.Grains;
        var management = grains.GetGrain<IManagementGrain>(0);
        int PortOf(SiloAddress? a) => a?.Endpoint.Port ?? throw new Xunit.Sdk.XunitException("a grain of the run is not activated");
        int learnerPort = PortOf(await management.GetActivationAddress(grains.GetGrain<ILearnerGrain>(runId)));
        var shardPorts = await Task.WhenAll(Enumerable.Range(0, shards).Select(async s =>
            PortOf(await management.GetActivationAddress(grains.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s))))));
        var workerPorts = await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
            PortOf(await management.GetActivationAddress(grains.GetGrain<IGradientWorkerGrain>(ShardKeys.Worker(runId, w))))));
        string Where(int port) => learners.Single(l => l.SiloPort == port).Name;
        output.WriteLine($"learner on {Where(learnerPort)}; shards on {string.Join(", ", shardPorts.Select(Where))}; workers on {string.Join(", ", workerPorts.Select(Where))}");
        int victimPort = workerPorts[2];
        Assert.NotEqual(learnerPort, victimPort);
        Assert.DoesNotContain(victimPort, shardPorts);
        Assert.DoesNotContain(victimPort, workerPorts[..2]);
        var victim = learners.Single(l => l.SiloPort == victimPort);
        var learnerProcess = learners.Single(l => l.SiloPort == learnerPort);

        int recordedBeforeKill = (await run.GetStatus()).Step;
        victim.Kill();
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: SIGKILL {victim.Name} (worker 2 only) with {recordedBeforeKill} steps recorded");
        Assert.True(recordedBeforeKill < Steps - 5, $"the run was at step {recordedBeforeKill} of {Steps} at the kill: make it longer");

        var status = await cluster.WaitAsync(runId, s => s.State == RunState.Completed, TimeSpan.FromSeconds(120));
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: run completed");
        Assert.Equal(Steps, status.Step);

        // No restart: the loss of the silo cost the run no state.
        WriteRestartReasons(learners);
        Assert.DoesNotContain("sharded step failed", learnerProcess.Output, StringComparison.Ordinal);
        Assert.Empty(await run.GetResumes());

        // The learner retried worker 2's share — on worker 0 while worker 2's silo could not answer, then on worker 2
        // activated again on a survivor (it answers that it lost its engine, so it is re-configured and keeps its share).
        var retries = ShareRetries(learnerProcess);
        foreach (var line in retries) output.WriteLine($"{learnerProcess.Name}: {line}");
        Assert.NotEmpty(retries);
        Assert.All(retries, r => Assert.Contains("gradient share 2 failed on worker 2 (attempt 1), retrying it on worker ", r, StringComparison.Ordinal));
        Assert.All(retries[..^1], r => Assert.Contains("retrying it on worker 0: ", r, StringComparison.Ordinal));
        Assert.Contains("retrying it on worker 2: DistributedStateLostException: ", retries[^1], StringComparison.Ordinal);
        int workerBack = PortOf(await management.GetActivationAddress(grains.GetGrain<IGradientWorkerGrain>(ShardKeys.Worker(runId, 2))));
        output.WriteLine($"{retries.Length} retried share(s): {string.Join(", ", retries.Select(ErrorTypeOf))}; worker 2 now on {Where(workerBack)}");
        Assert.NotEqual(victimPort, workerBack);

        // From the shards' own logs: one attempt, every step once and in order, and both shards agree on each.
        var logs = await Task.WhenAll(Enumerable.Range(0, shards).Select(s => grains.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s)).GetLog()));
        for (int s = 0; s < shards; s++)
            output.WriteLine($"shard {s}: " + string.Join(", ", logs[s].GroupBy(e => e.Attempt)
                .Select(g => $"attempt {g.Key}: {g.Count()} entries, steps {g.Min(e => e.Step)}–{g.Max(e => e.Step)}, {g.Count(e => e.Applied)} applied")));
        Assert.Single(logs.SelectMany(l => l).Select(e => e.Attempt).Distinct());
        foreach (var log in logs) Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), log.Select(e => e.Step));
        for (int step = 0; step < Steps; step++)
            Assert.True(logs.Select(l => (l[step].Applied, l[step].LossScale, l[step].NextLossScale, l[step].Version)).Distinct().Count() == 1,
                $"step {step}: the shards disagree: {string.Join("; ", logs.Select(l => $"shard {l[step].Shard} applied={l[step].Applied} scale={l[step].LossScale} v{l[step].Version}"))}");

        var records = await run.GetMetrics(0);
        WriteStepTimes(records, recordedBeforeKill);
        RunLedger.AssertExactlyOnce(await run.GetTrainedGroups(), Steps, Prompts);
        RunLedger.AssertSame(RunLedger.Embedded(single, cluster.Tiny.Root, Path.Combine(cluster.Tiny.Root, "embedded")), records);
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: done");
    }

    /// <summary>Mean rollout and training seconds (and the median and slowest training) per iteration before the kill, the iteration it interrupted, and after.</summary>
    private void WriteStepTimes(IReadOnlyList<IterationRecord> records, int recordedBeforeKill)
    {
        string Times(IEnumerable<IterationRecord> rows)
        {
            var train = rows.Select(r => r.TrainSeconds).Order().ToArray();
            return train.Length == 0 ? "none" : $"rollout {rows.Average(r => r.RolloutSeconds):0.000} s, train {train.Average():0.000} s " +
                $"(median {train[train.Length / 2]:0.000}, max {train[^1]:0.000}), iteration {rows.Average(r => r.IterationSeconds):0.000} s";
        }
        output.WriteLine($"iterations 1–{recordedBeforeKill}: {Times(records.Where(r => r.Step <= recordedBeforeKill))}; " +
            $"{recordedBeforeKill + 1} (the kill): {Times(records.Where(r => r.Step == recordedBeforeKill + 1))}; " +
            $"{recordedBeforeKill + 2}–{records.Count}: {Times(records.Where(r => r.Step > recordedBeforeKill + 1))}");
    }

    /// <summary>The learner's "gradient share … retrying it on worker …" lines, from its silo's output.</summary>
    private static string[] ShareRetries(SiloProcess silo) =>
        [.. silo.Output.Split('\n').Where(l => l.Contains("gradient share", StringComparison.Ordinal) && l.Contains("retrying it on worker", StringComparison.Ordinal))
            .Select(l => l.Trim())];

    /// <summary>The error type a share-retry line names (after "retrying it on worker N: ", up to the colon).</summary>
    private static string ErrorTypeOf(string retryLine)
    {
        const string marker = "retrying it on worker ";
        string rest = retryLine[(retryLine.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
        rest = rest[(rest.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? rest : rest[..colon];
    }

    /// <remarks>
    /// The expert-parallel case (qwen3_moe, expert_workers 2): the gradient workers' training experts (a sharded run's
    /// learner engine runs no pass, so it has none) live on ExpertWorker grains, owner o on learner-role silo o mod 2, so
    /// the killed silo takes one owner of every group with it; the restart loads them again on the survivor, where the workers then train their experts.
    /// </remarks>
    [Fact]
    public async Task A_SIGKILLed_learner_role_silo_of_an_expert_parallel_sharded_run_restarts_its_experts_on_the_survivor_and_equals_the_embedded_learner()
    {
        const string runId = "experts-kill";
        const int owners = 2;
        await using var cluster = new SiloCluster();
        // The tiny policy as a 2-layer qwen3_moe (4 experts, top-2).
        string modelDir = Path.Combine(cluster.Tiny.Root, "model");
        var config = ModelCheckpoint.Load(modelDir).Config with
        {
            ModelType = "qwen3_moe", NumHiddenLayers = 2, NumExperts = 4, NumExpertsPerToken = 2, MoeIntermediateSize = 8, NormTopKProb = true,
        };
        var moe = new TrainingEngine(config, new TrainingOptions(), null, seed: 5);
        ModelCheckpoint.Save(modelDir, config, moe.Layout, moe.MasterWeights);
        var (learners, single, run) = await StartShardedRunAsync(cluster, runId, owners);

        var grains = cluster.Client.Grains;
        var management = grains.GetGrain<IManagementGrain>(0);
        var learnerSilo = await management.GetActivationAddress(grains.GetGrain<ILearnerGrain>(runId));
        Assert.NotNull(learnerSilo);
        // A sharded run's learner engine runs no pass, so only the gradient workers' groups exist.
        string[] groups = [ExpertGroups.GradientWorker(ShardKeys.Worker(runId, 0)), ExpertGroups.GradientWorker(ShardKeys.Worker(runId, 1))];
        var experts = groups.SelectMany(g => Enumerable.Range(0, owners).Select(o => grains.GetGrain<IExpertWorkerGrain>($"{g}/expert/{owners}/{o}"))).ToArray();
        var before = await Task.WhenAll(experts.Select(e => management.GetActivationAddress(e).AsTask()));
        var victim = learners.Single(p => p.SiloPort != learnerSilo.Endpoint.Port);
        Assert.All(groups.Select((_, g) => before.Skip(g * owners).Take(owners).Select(a => a?.Endpoint.Port)),
            ports => Assert.Contains(victim.SiloPort, ports));
        victim.Kill();
        int trainedBeforeKill = (await cluster.WaitAsync(runId, _ => true, TimeSpan.FromSeconds(30))).Step;
        output.WriteLine($"SIGKILL {victim.Name} (one owner of each of {groups.Length} training expert groups; learner on {learnerSilo.Endpoint.Port}) after step {trainedBeforeKill}");
        Assert.True(trainedBeforeKill < Steps - 5, $"the run was at step {trainedBeforeKill} of {Steps} at the kill: make it longer");

        var status = await cluster.WaitAsync(runId, s => s.State == RunState.Completed, TimeSpan.FromSeconds(120));
        Assert.Equal(Steps, status.Step);
        RunLedger.AssertExactlyOnce(await run.GetTrainedGroups(), Steps, Prompts);
        RunLedger.AssertSame(RunLedger.Embedded(single, cluster.Tiny.Root, Path.Combine(cluster.Tiny.Root, "embedded")), await run.GetMetrics(0));
        // Every training expert worker lives on the survivor now, and the gradient workers' trained there after the kill.
        var after = await Task.WhenAll(experts.Select(e => management.GetActivationAddress(e).AsTask()));
        Assert.All(after, a => Assert.Equal(learnerSilo.Endpoint.Port, a?.Endpoint.Port));
        var rows = await Task.WhenAll(experts.Select(e => e.GetTrainingRowsServed()));
        output.WriteLine($"gradient workers' expert owners: training rows since the restart {string.Join(", ", rows)}");
        Assert.All(rows, r => Assert.True(r > 0, $"training rows per owner: {string.Join(", ", rows)}"));
    }

    /// <summary>Steps of the run's checkpoints that are sharded (every directory must be: the run is).</summary>
    private static HashSet<int> ShardedCheckpointSteps(string runDirectory)
    {
        var steps = new HashSet<int>();
        foreach (var (step, dir) in new CheckpointStore(runDirectory).List())
        {
            var files = Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).ToHashSet();
            Assert.Contains(ShardCheckpoint.ManifestFileName, files);
            Assert.Contains("manifest.json", files);
            Assert.All(Enumerable.Range(0, Shards), s => Assert.Contains(ShardCheckpoint.SliceFileName(s), files));
            Assert.DoesNotContain(ModelCheckpoint.WeightsFileName, files);
            Assert.DoesNotContain(CheckpointStore.OptimizerFileName, files);
            steps.Add(step);
        }
        return steps;
    }

    /// <summary>
    /// Reads every shard's own log after the run and asserts: (a) the shards that were on the killed silo still hold the
    /// first attempt's entries of every step recorded before the kill (the log outlived the SIGKILL); (b) for every
    /// (attempt, step), all shards that logged it agree on applied/skipped, loss scale and version — no shard applied a
    /// step another skipped, including the step the kill interrupted; (c) the last attempt, the run's final one, logged
    /// every optimizer step from the checkpoint it resumed from to the end (one optimizer step per iteration:
    /// mini_batches 1).
    /// </summary>
    private async Task AssertShardLogsAsync(SiloCluster cluster, string runId, SiloAddress?[] shardSilos, SiloProcess victim, int recordedBeforeKill)
    {
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: run completed");
        var logs = await Task.WhenAll(Enumerable.Range(0, Shards).Select(s => cluster.Client.Grains.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, s)).GetLog()));
        var resumes = await cluster.Client.Grains.GetGrain<IRunGrain>(runId).GetResumes();
        var all = logs.SelectMany(l => l).ToArray();
        int first = all.Min(e => e.Attempt), last = all.Max(e => e.Attempt);
        var killed = Enumerable.Range(0, Shards).Where(s => shardSilos[s]!.Endpoint.Port == victim.SiloPort).ToArray();
        for (int s = 0; s < Shards; s++)
            output.WriteLine($"shard {s}{(killed.Contains(s) ? " (killed silo)" : "")}: " + string.Join(", ", logs[s].GroupBy(e => e.Attempt)
                .Select(g => $"attempt {g.Key}: {g.Count()} entries, steps {g.Min(e => e.Step)}–{g.Max(e => e.Step)}")));
        output.WriteLine($"{resumes.Count} resume(s): {string.Join(", ", resumes.Select(r => $"from checkpoint {r.CheckpointStep} (last trained {r.LastTrainedStep})"))}; " +
            $"{recordedBeforeKill} steps recorded before the kill");

        // (a)
        Assert.NotEmpty(killed);
        Assert.True(recordedBeforeKill > 0);
        foreach (int s in killed)
            Assert.Superset(Enumerable.Range(0, recordedBeforeKill).Select(i => (long)i).ToHashSet(),
                logs[s].Where(e => e.Attempt == first).Select(e => e.Step).ToHashSet());
        // (b)
        foreach (var log in logs) Assert.Equal(log.Length, log.Select(e => (e.Attempt, e.Step)).Distinct().Count());
        foreach (var step in all.GroupBy(e => (e.Attempt, e.Step)))
            Assert.True(step.Select(e => (e.Applied, e.LossScale, e.Version)).Distinct().Count() == 1,
                $"attempt {step.Key.Attempt} step {step.Key.Step}: the shards disagree: {string.Join("; ", step.Select(e => $"shard {e.Shard} applied={e.Applied} scale={e.LossScale} v{e.Version}"))}");
        // (c)
        Assert.NotEmpty(resumes);
        Assert.True(last > first, "the shards logged one attempt only: the run was not restarted");
        Assert.Equal(1 + resumes.Count, last);
        int from = resumes[^1].CheckpointStep;
        Assert.True(from > 0, "the last attempt started over instead of resuming from a sharded checkpoint");
        foreach (var log in logs)
            Assert.Equal(Enumerable.Range(from, Steps - from).Select(i => (long)i), log.Where(e => e.Attempt == last).Select(e => e.Step));
    }

    /// <summary>The learner's "restarting from the last checkpoint" lines (the error type a kill surfaced as), from the silos' output.</summary>
    private void WriteRestartReasons(IEnumerable<SiloProcess> silos)
    {
        foreach (var silo in silos)
            foreach (var line in silo.Output.Split('\n').Where(l => l.Contains("sharded step failed", StringComparison.Ordinal)))
                output.WriteLine($"{silo.Name}: {line.Trim()}");
    }

    /// <summary>
    /// <paramref name="learnerSilos"/> learner-role silos and a rollout silo; submits a <paramref name="gradientWorkers"/>-worker ×
    /// <paramref name="shards"/>-shard run (with <paramref name="expertWorkers"/>; <paramref name="microBatchSequences"/> rows
    /// per micro-batch) and waits until it is past its first checkpoint. With <paramref name="learnerOnFirstSilo"/> the
    /// learner grain is pinned to the learner-role silo first by address: that silo gets the lowest of the chosen ports and
    /// is the only learner-role silo when the client activates the learner grain, before the others start. Returns the
    /// learner-role silo processes, the same spec without <c>parallel</c> (the embedded reference) and the run grain.
    /// </summary>
    private async Task<(SiloProcess[] Learners, string SingleSpec, IRunGrain Run)> StartShardedRunAsync(SiloCluster cluster, string runId,
        int expertWorkers = 1, int learnerSilos = 2, int gradientWorkers = 2, int shards = Shards, int microBatchSequences = 6,
        bool learnerOnFirstSilo = false)
    {
        string[] names = [.. Enumerable.Range(0, learnerSilos).Select(i => $"learner-{(char)('a' + i)}")];
        SiloProcess[] learners;
        if (learnerOnFirstSilo)
        {
            // Placement orders silos by "127.0.0.1:port@…", ordinally: free ports of one length order as numbers.
            var ports = Enumerable.Range(0, learnerSilos).Select(_ => SiloProcess.FreePort().ToString(CultureInfo.InvariantCulture))
                .Order(StringComparer.Ordinal).ToArray();
            Assert.Single(ports.Select(p => p.Length).Distinct());
            Task<SiloProcess> Start(int i) => cluster.StartSiloAsync(names[i], "learner", extra: new Dictionary<string, string> { ["SiloPort"] = ports[i] });
            var first = Start(0);
            await cluster.StartSiloAsync("rollout-a", "rollout", rolloutSlots: 1);
            var firstSilo = await first;
            await cluster.ConnectAsync();
            var version = await cluster.Client.Grains.GetGrain<ILearnerGrain>(runId).GetVersion();
            Assert.Equal(-1, version.Version);
            output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: {names[0]} (port {ports[0]}) and rollout-a up, learner grain activated");
            learners = [firstSilo, .. await Task.WhenAll(Enumerable.Range(1, learnerSilos - 1).Select(Start))];
        }
        else
        {
            var starting = names.Select(n => cluster.StartSiloAsync(n, "learner")).ToArray();
            await cluster.StartSiloAsync("rollout-a", "rollout", rolloutSlots: 1);
            learners = await Task.WhenAll(starting);
            await cluster.ConnectAsync();
        }
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: {learnerSilos + 1} silos up ({string.Join(", ", learners.Select(l => $"{l.Name} :{l.SiloPort}"))}), client connected");
        var single = cluster.Tiny.WriteSpec(Steps, Prompts, CheckpointEvery, microBatchSequences);
        var sharded = Path.Combine(cluster.Tiny.Root, "sharded.yaml");
        File.WriteAllText(sharded, cluster.Tiny.Spec(Steps, Prompts, CheckpointEvery, microBatchSequences) +
            $"\nparallel:\n  gradient_workers: {gradientWorkers}\n  shards: {shards}\n  expert_workers: {expertWorkers}\n");
        var submit = await CommandRun.InvokeAsync("submit", sharded, "--id", runId, "--cluster", cluster.Url);
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s: submitted");
        await cluster.WaitAsync(runId, s => s.Step >= CheckpointEvery + 1, TimeSpan.FromSeconds(60));
        return (learners, single, cluster.Client.Grains.GetGrain<IRunGrain>(runId));
    }
}

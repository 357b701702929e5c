using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Lora;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Xunit;

namespace Precision.Orleans.Grains.Tests.Distributed;

/// <summary>
/// The distributed learner on a two-silo in-process Orleans cluster: ParameterShard and GradientWorker grains run the
/// loss-scale consensus; the result is the one-process trainer's bit for bit, and an overflow anywhere skips everywhere.
/// </summary>
public sealed class ShardedLearnerClusterTests : IAsyncLifetime
{
    private readonly OverflowFault _fault = new();
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private InProcessTestCluster _cluster = null!;

    public ShardedLearnerClusterTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    private static ModelConfig Model => new()
    {
        ModelType = "qwen2", VocabSize = 17, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, TieWordEmbeddings = false,
    };

    public async Task InitializeAsync() =>
        _cluster = await LearnerSilos.StartAsync(2, silo => silo.Services.AddSingleton<IGradientFaultHook>(_fault));

    public Task DisposeAsync() => LearnerSilos.StopAsync(_cluster);

    [Theory]
    [InlineData("fp32", false, 4, 3)]
    [InlineData("fp32", false, 2, 1)]
    [InlineData("fp16", true, 4, 3)]
    [InlineData("fp16", false, 1, 3)]
    public async Task Three_sharded_steps_on_grains_are_bit_identical_to_one_process(string dtype, bool lora, int workers, int shards)
    {
        var options = Options(DTypeNames.Parse(dtype), lora, growthInterval: 2000);
        var reference = new TrainingEngine(Model, options, seed: 21);
        var template = new TrainingEngine(Model, options, seed: 21);
        var learner = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, $"bits-{dtype}-{lora}-{workers}-{shards}", template, workers, shards, NullLogger.Instance);
        for (int step = 0; step < 3; step++)
        {
            var batches = MicroBatches(step, 5);
            foreach (var b in batches) LanguageModelLoss.ForwardBackward(reference, TokenBatch.FromSequences(b.Sequences, b.TargetStart), b.Normalizer);
            var expected = reference.OptimizerStep();
            var (decision, reports) = await learner.StepAsync(step, batches, options.Optimizer.MaxGradNorm, options.Optimizer.LearningRate);
            Assert.Equal(expected.Applied, decision.Apply);
            Assert.Equal(expected.NextLossScale, decision.NextLossScale);
            Assert.Equal(5, reports.Sum(r => r.MicroBatches));
        }
        Assert.Equal(3, learner.Version);
        var weights = await learner.FetchWeightsAsync();
        Assert.Equal(reference.TrainedWeights.Select(BitConverter.SingleToUInt32Bits), weights.Select(BitConverter.SingleToUInt32Bits));
        // The announced version hash is the slice-hash hash of exactly these weights.
        string frozen = lora ? WeightVersionHash.OfSlice(reference.MasterWeights) : "";
        Assert.Equal(WeightVersionHash.OfSliceHashes(frozen, learner.Layout.Shards.Select(r => WeightVersionHash.OfSlice(reference.TrainedWeights.AsSpan((int)r.Offset, (int)r.Count)))),
            learner.WeightHash);
    }

    [Fact]
    public async Task Fp16_overflow_in_one_of_four_gradient_workers_skips_every_shard_halves_the_scale_and_clean_steps_grow_it()
    {
        const int growthInterval = 3;
        var options = Options(DType.Fp16, lora: false, growthInterval);
        var template = new TrainingEngine(Model, options, seed: 4);
        const string runId = "consensus";
        var learner = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, runId, template, 4, 3, NullLogger.Instance);
        var v0 = await learner.FetchWeightsAsync();
        string hash0 = learner.WeightHash;

        _fault.Poison(ShardKeys.Worker(runId, 2), step: 0);
        var (skip, reports) = await learner.StepAsync(0, MicroBatches(0, 4), 1f, 1e-2f);
        Assert.False(skip.Apply);
        Assert.Equal([false, false, true, false], reports.Select(r => r.Overflow));
        Assert.Contains("worker-2", skip.OverflowHolders);
        Assert.DoesNotContain(skip.OverflowHolders, h => h.StartsWith("worker-", StringComparison.Ordinal) && h != "worker-2");
        Assert.Equal(options.LossScaler.InitialScale / 2, learner.Scale.Scale);
        Assert.Equal(0, learner.Version);
        Assert.Equal(hash0, learner.WeightHash);
        Assert.Equal(v0.Select(BitConverter.SingleToUInt32Bits), (await learner.FetchWeightsAsync()).Select(BitConverter.SingleToUInt32Bits));

        for (int step = 1; step <= growthInterval; step++)
            Assert.True((await learner.StepAsync(step, MicroBatches(step, 4), 1f, 1e-2f)).Decision.Apply, $"clean step {step} was skipped");
        Assert.Equal(options.LossScaler.InitialScale, learner.Scale.Scale);

        // From the shards' own logs: every shard got every decision and did the same thing with it.
        var logs = await learner.ShardLogsAsync();
        Assert.Equal(3, logs.Length);
        float s0 = options.LossScaler.InitialScale;
        foreach (var log in logs)
        {
            Assert.Equal([0L, 1L, 2L, 3L], log.Select(e => e.Step));
            Assert.Equal([false, true, true, true], log.Select(e => e.Applied));
            Assert.Equal([s0, s0 / 2, s0 / 2, s0 / 2], log.Select(e => e.LossScale));
            Assert.Equal([s0 / 2, s0 / 2, s0 / 2, s0], log.Select(e => e.NextLossScale));
            Assert.Equal([0L, 1L, 2L, 3L], log.Select(e => e.Version));
            Assert.Contains("worker-2", log[0].OverflowHolders);
            Assert.Equal(growthInterval, log[^1].OptimizerSteps);
        }
        for (int step = 0; step < 4; step++)
            Assert.Single(logs.Select(l => l[step].Applied).Distinct());
    }

    [Fact]
    public async Task A_gradient_worker_that_dies_mid_step_has_its_share_reassigned_and_the_step_is_the_one_process_step()
    {
        var options = Options(DType.Fp32, lora: false, growthInterval: 2000);
        var reference = new TrainingEngine(Model, options, seed: 13);
        const string runId = "reassign";
        var learner = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, runId, new TrainingEngine(Model, options, seed: 13), 3, 3, NullLogger.Instance);
        // Worker 1 dies after sending micro-batch 2's slices, while computing micro-batch 3 (its share is 2, 3).
        _fault.Crash(ShardKeys.Worker(runId, 1), step: 1, microBatch: 3);
        for (int step = 0; step < 3; step++)
        {
            var batches = MicroBatches(step, 6);
            foreach (var b in batches) LanguageModelLoss.ForwardBackward(reference, TokenBatch.FromSequences(b.Sequences, b.TargetStart), b.Normalizer);
            reference.OptimizerStep();
            var (decision, reports) = await learner.StepAsync(step, batches, options.Optimizer.MaxGradNorm, options.Optimizer.LearningRate);
            Assert.True(decision.Apply);
            Assert.Equal(6, reports.Sum(r => r.MicroBatches));
        }
        Assert.True(_fault.Crashed);
        Assert.Equal(reference.TrainedWeights.Select(BitConverter.SingleToUInt32Bits), (await learner.FetchWeightsAsync()).Select(BitConverter.SingleToUInt32Bits));
        foreach (var log in await learner.ShardLogsAsync()) Assert.Equal([true, true, true], log.Select(e => e.Applied));
    }

    /// <summary>
    /// The old-log-prob pass's shares are retried as a step's are: worker 1 lost (a silo that died with its pass call in
    /// flight) gives its share, micro-batches 3–4, to worker 0, re-configured; worker 1 answering that it lost its engine
    /// (activated again after its silo died) is re-configured and keeps its share; either way every row's log-probs are
    /// the one-process engine's bit for bit. A bug (any error that does not mean a lost holder) fails the pass at once,
    /// without trying the share on another worker.
    /// </summary>
    [Fact]
    public async Task An_old_log_prob_share_whose_worker_is_lost_is_retried_bit_for_bit_and_a_bug_fails_the_pass_at_once()
    {
        var options = Options(DType.Fp16, lora: false, growthInterval: 2000);
        var reference = new TrainingEngine(Model, options, seed: 23);
        const string runId = "logp-reassign";
        string worker1 = ShardKeys.Worker(runId, 1);
        var coordinator = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, runId, new TrainingEngine(Model, options, seed: 23), 2, 3, NullLogger.Instance);
        var workers = Enumerable.Range(0, 2).Select(w => _cluster.Client.GetGrain<IGradientWorkerGrain>(ShardKeys.Worker(runId, w))).ToArray();
        var rng = new Random(9);
        var chunks = Enumerable.Range(0, 5).Select(i =>
        {
            var seqs = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => Enumerable.Range(0, rng.Next(4, 10)).Select(_ => rng.Next(1, 17)).ToArray()).ToArray();
            return new LogProbMicroBatch(i, seqs, [.. seqs.Select(s => rng.Next(1, s.Length))]);
        }).ToArray();
        async Task<long[]> PassAndCountAsync()
        {
            var reports = await coordinator.OldLogProbsAsync(chunks);
            Assert.Equal([0, 1], reports.Select(r => r.Worker));
            Assert.Equal([[0, 1, 2], [3, 4]], reports.Select(r => r.MicroBatches.Select(o => o.Index).ToArray()));
            foreach (var o in reports.SelectMany(r => r.MicroBatches))
            {
                var chunk = chunks[o.Index];
                var batch = TokenBatch.FromSequences(chunk.Sequences, chunk.PromptLengths);
                var expected = reference.ComputeLogProbs(batch);
                for (int r = 0; r < chunk.Sequences.Length; r++)
                    Assert.Equal(expected.AsSpan(r * batch.SeqLen + chunk.PromptLengths[r], chunk.Sequences[r].Length - chunk.PromptLengths[r]).ToArray()
                        .Select(BitConverter.SingleToUInt32Bits), o.ResponseLogProbs[r].Select(BitConverter.SingleToUInt32Bits));
            }
            return await Task.WhenAll(workers.Select(w => w.GetLogProbMicroBatches()));
        }

        // Lost with the call in flight: worker 0 computes both shares (each worker's count of pass micro-batches).
        _fault.FailLogProbs(worker1, version: 0, new SiloUnavailableException($"{worker1} died in the old-log-prob pass (test fault)"));
        Assert.Equal(new[] { 5L, 0L }, await PassAndCountAsync());
        Assert.Equal(1, _fault.LogProbFailures);

        // Activated again without its engine: worker 1 is re-configured and computes its own share.
        _fault.FailLogProbs(worker1, version: 0, new DistributedStateLostException($"gradient worker '{worker1}' holds no setup (test fault)"));
        Assert.Equal(new[] { 8L, 2L }, await PassAndCountAsync());
        Assert.Equal(2, _fault.LogProbFailures);

        _fault.FailLogProbs(worker1, version: 0, new InvalidOperationException("a bug in the pass (test fault)"));
        var bug = await Assert.ThrowsAsync<InvalidOperationException>(() => coordinator.OldLogProbsAsync(chunks));
        Assert.Contains("a bug in the pass", bug.Message);
        Assert.Equal(3, _fault.LogProbFailures);
        // Worker 0 ran only its own share again: share 1 was not tried elsewhere, nor again on worker 1.
        var counts = await Task.WhenAll(workers.Select(w => w.GetLogProbMicroBatches()));
        Assert.Equal([11L, 2L], counts);
    }

    [Fact]
    public async Task A_silo_killed_mid_step_never_leaves_one_shard_stepped_and_another_skipped_and_the_run_resumes_from_its_sharded_checkpoint()
    {
        var options = Options(DType.Fp32, lora: false, growthInterval: 2000);
        var reference = new TrainingEngine(Model, options, seed: 17);
        string root = Path.Combine(Path.GetTempPath(), "sharded-kill-" + Guid.NewGuid().ToString("N"));
        try
        {
            var learner = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, "kill-a", new TrainingEngine(Model, options, seed: 17), 4, 3, NullLogger.Instance);
            var batches = Enumerable.Range(0, 3).Select(step => MicroBatches(step, 4)).ToArray();
            for (int step = 0; step < 3; step++)
            {
                foreach (var b in batches[step]) LanguageModelLoss.ForwardBackward(reference, TokenBatch.FromSequences(b.Sequences, b.TargetStart), b.Normalizer);
                reference.OptimizerStep();
            }
            for (int step = 0; step < 2; step++) await learner.StepAsync(step, batches[step], 0.5f, 1e-2f);
            await learner.CheckpointAsync(root, 2);

            // Step 2: every worker stalls in its first micro-batch; meanwhile the second silo is killed (no deactivation, no goodbye).
            var stalled = _fault.Stall(step: 2, TimeSpan.FromSeconds(1));
            var running = learner.StepAsync(2, batches[2], 0.5f, 1e-2f);
            await stalled;
            await _cluster.KillSiloAsync(_cluster.Silos[1]);
            Exception? failure = null;
            try { await running; }
            catch (Exception e) { failure = e; }

            // Every shard's own log (durable: a shard of the killed silo is read from storage) holds steps 0 and 1 at least,
            // and the shards agree on every step they logged: none applied a step another skipped.
            var logs = new List<ShardLogEntry[]>();
            for (int s = 0; s < 3; s++) logs.Add(await _cluster.Client.GetGrain<IParameterShardGrain>(ShardKeys.Shard("kill-a", s)).GetLog());
            Assert.All(logs, log => Assert.Equal([0L, 1L], log.Select(e => e.Step).Take(2)));
            foreach (var step in logs.SelectMany(l => l).Select(e => e.Step).Distinct())
                Assert.Single(logs.SelectMany(l => l).Where(e => e.Step == step).Select(e => e.Applied).Distinct());

            _output.WriteLine(failure is null ? "step 2 completed on the survivor (re-assigned shares)" : $"step 2 failed, resuming from the sharded checkpoint: {failure.GetType().Name}: {failure.Message}");
            float[] weights;
            if (failure is null)
            {
                weights = await learner.FetchWeightsAsync();   // every shard and the re-assigned shares survived
            }
            else
            {
                var resumed = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, "kill-b", new TrainingEngine(Model, options, seed: 17), 4, 3, NullLogger.Instance);
                Assert.Equal(2L, await resumed.ResumeAsync(root));
                await resumed.StepAsync(2, batches[2], 0.5f, 1e-2f);
                weights = await resumed.FetchWeightsAsync();
            }
            Assert.Equal(reference.TrainedWeights.Select(BitConverter.SingleToUInt32Bits), weights.Select(BitConverter.SingleToUInt32Bits));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_sharded_checkpoint_resumes_bit_identically_and_unfinished_or_corrupt_ones_are_not_resumed()
    {
        var options = Options(DType.Fp16, lora: false, growthInterval: 2000);
        string root = Path.Combine(Path.GetTempPath(), "sharded-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var a = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, "ckpt-a", new TrainingEngine(Model, options, seed: 8), 2, 3, NullLogger.Instance);
            for (int step = 0; step < 2; step++) await a.StepAsync(step, MicroBatches(step, 4), 0.5f, 1e-2f);
            string dir = await a.CheckpointAsync(root, 2);
            Assert.Equal(["shard-000.safetensors", "shard-001.safetensors", "shard-002.safetensors", ShardCheckpoint.ManifestFileName],
                Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());
            await a.StepAsync(2, MicroBatches(2, 4), 0.5f, 1e-2f);
            var straight = await a.FetchWeightsAsync();

            // An unfinished later checkpoint (slices written, no manifest) is not resumed from.
            string unfinished = ShardCheckpoint.StepDirectory(root, 3);
            Directory.CreateDirectory(unfinished);
            foreach (var f in Directory.GetFiles(dir, "shard-*")) File.Copy(f, Path.Combine(unfinished, Path.GetFileName(f)));

            var b = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, "ckpt-b", new TrainingEngine(Model, options, seed: 8), 2, 3, NullLogger.Instance);
            Assert.Equal(2L, await b.ResumeAsync(root));
            Assert.Equal(2, b.Version);
            await b.StepAsync(2, MicroBatches(2, 4), 0.5f, 1e-2f);
            Assert.Equal(straight.Select(BitConverter.SingleToUInt32Bits), (await b.FetchWeightsAsync()).Select(BitConverter.SingleToUInt32Bits));
            Assert.Equal(a.WeightHash, b.WeightHash);

            // A slice whose bytes no longer match the manifest's checksum: that checkpoint is not resumed from.
            string slice = Path.Combine(dir, "shard-001.safetensors");
            var bytes = File.ReadAllBytes(slice);
            bytes[^1] ^= 1;
            File.WriteAllBytes(slice, bytes);
            var c = await ShardedLearnerCoordinator.StartAsync(_cluster.Client, "ckpt-c", new TrainingEngine(Model, options, seed: 8), 2, 3, NullLogger.Instance);
            Assert.Null(await c.ResumeAsync(root));
            Assert.Equal(0, c.Version);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    private static TrainingOptions Options(DType dtype, bool lora, int growthInterval) => new()
    {
        ComputeDType = dtype,
        Optimizer = new AdamWOptions { LearningRate = 1e-2f, MaxGradNorm = 0.5f },
        LossScaler = new LossScalerOptions { InitialScale = 1024f, GrowthInterval = growthInterval },
        Lora = lora ? new LoraConfig { Rank = 2, Alpha = 4 } : null,
    };

    private static LanguageModelMicroBatch[] MicroBatches(int step, int count)
    {
        var rng = new Random(500 + step);
        var rows = Enumerable.Range(0, count).Select(_ =>
        {
            var seqs = Enumerable.Range(0, rng.Next(1, 3)).Select(_ => Enumerable.Range(0, rng.Next(3, 8)).Select(_ => rng.Next(1, 17)).ToArray()).ToArray();
            return (seqs, starts: seqs.Select(_ => rng.Next(0, 2)).ToArray());
        }).ToArray();
        float total = rows.Sum(r => TokenBatch.FromSequences(r.seqs, r.starts).TargetMask.Sum());
        return [.. rows.Select((r, i) => new LanguageModelMicroBatch(i, r.seqs, r.starts, total))];
    }

    /// <summary>Test-only fault hook: an inf in one worker's gradient at one step (what an fp16 backward past 65504 produces), a
    /// worker lost mid-step, a stall, or a failed old-log-prob share.</summary>
    private sealed class OverflowFault : IGradientFaultHook
    {
        private readonly ConcurrentDictionary<(string, long), bool> _targets = new();
        private readonly ConcurrentDictionary<(string, long, int), bool> _crashes = new();

        public bool Crashed { get; private set; }

        private (long Step, TimeSpan For, TaskCompletionSource Reached)? _stall;

        /// <summary>Every worker sleeps in its first gradient of <paramref name="step"/>; the task completes when the first one does.</summary>
        public Task Stall(long step, TimeSpan duration)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _stall = (step, duration, reached);
            return reached.Task;
        }

        public void Poison(string workerKey, long step) => _targets[(workerKey, step)] = true;

        private readonly ConcurrentDictionary<(string, long), Exception> _logProbFaults = new();
        private int _logProbFailures;

        /// <summary>How many old-log-prob shares the hook failed.</summary>
        public int LogProbFailures => Volatile.Read(ref _logProbFailures);

        /// <summary>The worker's next old-log-prob share at <paramref name="version"/> throws <paramref name="error"/> (once).</summary>
        public void FailLogProbs(string workerKey, long version, Exception error) => _logProbFaults[(workerKey, version)] = error;

        public void BeforeLogProbs(string workerKey, long version, int share)
        {
            if (!_logProbFaults.TryRemove((workerKey, version), out var error)) return;
            Interlocked.Increment(ref _logProbFailures);
            throw error;
        }

        /// <summary>The worker fails once, mid-step, at that micro-batch (after sending the ones before it).</summary>
        public void Crash(string workerKey, long step, int microBatch) => _crashes[(workerKey, step, microBatch)] = true;

        public void Apply(string workerKey, long step, int microBatch, float[] gradient)
        {
            if (_stall is { } stall && stall.Step == step)
            {
                stall.Reached.TrySetResult();
                Thread.Sleep(stall.For);
            }
            if (_crashes.TryRemove((workerKey, step, microBatch), out _))
            {
                Crashed = true;
                // What the coordinator sees when a holder's silo dies with the call in flight.
                throw new SiloUnavailableException($"{workerKey} died at step {step}, micro-batch {microBatch} (test fault)");
            }
            if (_targets.ContainsKey((workerKey, step))) gradient[gradient.Length / 3] = float.PositiveInfinity;
        }
    }
}

using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// The learner's side of the distributed step, over S <see cref="IParameterShardGrain"/>s and N
/// <see cref="IGradientWorkerGrain"/>s: per optimizer step every shard starts collecting, every worker computes its fixed
/// share (fetching the version from the shards), every shard reduces, the <see cref="LossScaleConsensus"/> decides, and
/// every shard applies the same decision — or, if any shard's answer disagrees, the step fails loudly. Each decision is
/// logged (scale, skipped, which holder overflowed).
/// </summary>
public sealed class ShardedLearnerCoordinator
{
    private readonly IParameterShardGrain[] _shards;
    private readonly IGradientWorkerGrain[] _workers;
    private readonly GradientWorkerSetup _setup;
    private readonly ShardLayout _layout;
    private readonly LossScalerOptions _scalerOptions;
    private readonly bool _scalingEnabled;
    private readonly string _frozenBaseHash;
    private readonly ILogger _logger;

    private ShardedLearnerCoordinator(string runId, IParameterShardGrain[] shards, IGradientWorkerGrain[] workers, ShardLayout layout,
        TrainingEngine template, string frozenBaseHash, string weightHash, GradientWorkerSetup setup, ILogger logger)
    {
        _setup = setup;
        RunId = runId;
        _shards = shards;
        _workers = workers;
        _layout = layout;
        _scalerOptions = template.LossScaler.Options;
        _scalingEnabled = template.LossScaler.Enabled;
        Scale = template.LossScaler.State;
        _frozenBaseHash = frozenBaseHash;
        WeightHash = weightHash;
        _logger = logger;
    }

    public string RunId { get; }
    public ShardLayout Layout => _layout;
    public LossScaleState Scale { get; private set; }
    public long Version { get; private set; }

    /// <summary>Seconds the last step spent outside the workers' compute: shards starting, reducing, the decision and its application.</summary>
    public double LastConsensusSeconds { get; private set; }

    /// <summary>Content hash of <see cref="Version"/>: see <see cref="WeightVersionHash.OfSliceHashes"/>.</summary>
    public string WeightHash { get; private set; }

    /// <summary>
    /// Sets up a run's shards and workers from <paramref name="template"/> (model, options and the trained parameters at
    /// version 0; LoRA: the frozen base travels to the workers once).
    /// </summary>
    /// <param name="policySpecYaml">RL runs: the run spec whose policy loss the workers compute (empty: next-token steps only).</param>
    /// <param name="expertWorkers">parallel.expert_workers: above 1, each worker runs its experts on that many ExpertWorker grains.</param>
    /// <param name="attempt">The run attempt the shards log their steps under (their logs keep earlier attempts' entries).</param>
    public static async Task<ShardedLearnerCoordinator> StartAsync(IGrainFactory grains, string runId, TrainingEngine template,
        int gradientWorkers, int shards, ILogger logger, string policySpecYaml = "", int expertWorkers = 1, int attempt = 0)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(template);
        if (gradientWorkers < 1) throw new ArgumentException($"parallel.gradient_workers must be at least 1, got {gradientWorkers}");
        var layout = ShardLayout.Balance(template.TrainedTensors, shards);
        var o = template.Optimizer.Options;
        var adamw = new AdamWSettings(o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay);
        var shardGrains = layout.Shards.Select(r => grains.GetGrain<IParameterShardGrain>(ShardKeys.Shard(runId, r.Index))).ToArray();
        var weights = template.TrainedWeights;
        // A resumed learner's AdamW state goes to the shards with the weights.
        bool resumed = template.Optimizer.StepCount > 0;
        await Task.WhenAll(layout.Shards.Select(r =>
        {
            var tensors = layout.TensorsOf(r);
            var moments = resumed ? new ShardMoments(r.Index, template.Optimizer.M.AsSpan((int)r.Offset, (int)r.Count).ToArray(),
                template.Optimizer.V.AsSpan((int)r.Offset, (int)r.Count).ToArray(), template.Optimizer.StepCount) : null;
            return shardGrains[r.Index].Initialize(new ShardSetup(r.Index, r.FirstTensor, r.Offset, [.. tensors.Select(t => t.Name)],
                [.. tensors.Select(t => t.Shape)], weights.AsSpan((int)r.Offset, (int)r.Count).ToArray(), adamw, 0, moments, attempt));
        }));
        var lora = template.Options.Lora is { } l ? new LoraSettings(l.Rank, l.Alpha, [.. l.TargetModules], false) : null;
        var setup = new GradientWorkerSetup(runId, template.Config.ToJson(), template.ComputeDType.Name(), lora,
            lora is null ? [] : template.MasterWeights, [.. layout.Shards.Select(r => r.Offset)], [.. layout.Shards.Select(r => r.Count)],
            policySpecYaml, expertWorkers);
        var workerGrains = Enumerable.Range(0, gradientWorkers).Select(w => grains.GetGrain<IGradientWorkerGrain>(ShardKeys.Worker(runId, w))).ToArray();
        await Task.WhenAll(workerGrains.Select(w => w.Configure(setup)));
        string frozen = lora is null ? "" : WeightVersionHash.OfSlice(template.MasterWeights);
        string hash = WeightVersionHash.OfSliceHashes(frozen, layout.Shards.Select(r => WeightVersionHash.OfSlice(weights.AsSpan((int)r.Offset, (int)r.Count))));
        return new ShardedLearnerCoordinator(runId, shardGrains, workerGrains, layout, template, frozen, hash, setup, logger);
    }

    /// <summary>One optimizer step over <paramref name="microBatches"/> (indices 0…M−1, split into the workers' consecutive shares).</summary>
    public Task<(StepDecision Decision, WorkerReport[] Workers)> StepAsync(long step, IReadOnlyList<LanguageModelMicroBatch> microBatches,
        float maxGradNorm, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        return StepAsync(step, microBatches.Count, (first, count) => new GradientWork(step, Version, WeightHash, Scale.Scale, 0, microBatches.Count,
            [.. microBatches.Skip(first).Take(count)]), maxGradNorm, learningRate);
    }

    /// <summary>One optimizer step of the RL policy loss (the workers were set up with the run spec) over <paramref name="microBatches"/>.</summary>
    public Task<(StepDecision Decision, WorkerReport[] Workers)> StepAsync(long step, IReadOnlyList<PolicyMicroBatch> microBatches,
        float maxGradNorm, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        if (_setup.PolicySpecYaml.Length == 0)
            throw new InvalidOperationException($"run {RunId}: the gradient workers were set up without a run spec, so they have no policy loss to compute");
        return StepAsync(step, microBatches.Count, (first, count) => new GradientWork(step, Version, WeightHash, Scale.Scale, 0, microBatches.Count,
            [], [.. microBatches.Skip(first).Take(count)]), maxGradNorm, learningRate);
    }

    /// <summary>The step's protocol; <paramref name="shareOf"/> gives the work of the share (first micro-batch, count) — its worker field is set here.</summary>
    private async Task<(StepDecision Decision, WorkerReport[] Workers)> StepAsync(long step, int m, Func<int, int, GradientWork> shareOf,
        float maxGradNorm, float learningRate)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(_shards.Select(s => s.BeginStep(step, m)));
        double consensus0 = clock.Elapsed.TotalSeconds;
        var reports = await Task.WhenAll(Enumerable.Range(0, _workers.Length).Select(i =>
        {
            var (first, count) = DataParallelShares.Of(m, _workers.Length, i);
            return ComputeShareAsync(step, i, shareOf(first, count) with { Worker = i });
        }));
        double workersDone = clock.Elapsed.TotalSeconds;
        var reductions = await Task.WhenAll(_shards.Select(s => s.Reduce(step, Scale.Scale)));
        var consensus = LossScaleConsensus.Decide(step, Scale, _scalerOptions, _scalingEnabled,
            [.. reports.Select(r => new HolderReport($"worker-{r.Worker}", r.Overflow))],
            [.. reductions.Select(r => new ShardReduction(r.Shard, r.Step, r.Overflow, r.TensorNorms))], maxGradNorm, learningRate);
        long version = consensus.Apply ? Version + 1 : Version;
        var decision = new StepDecision(step, consensus.Apply, consensus.LossScale, consensus.NextLossScale, consensus.GradNorm,
            consensus.ClipCoefficient, learningRate, [.. consensus.OverflowHolders], version);
        var entries = await Task.WhenAll(_shards.Select(s => s.Apply(decision)));
        if (entries.Any(e => e.Applied != decision.Apply || e.Step != step || e.Version != version))
            throw new InvalidOperationException($"run {RunId} step {step}: shards answered the decision differently: " +
                string.Join("; ", entries.Select(e => $"shard {e.Shard} step {e.Step} applied={e.Applied} v{e.Version}")));
        LastConsensusSeconds = consensus0 + (clock.Elapsed.TotalSeconds - workersDone);
        Scale = consensus.Next;
        Version = version;
        WeightHash = WeightVersionHash.OfSliceHashes(_frozenBaseHash, entries.Select(e => e.SliceSha256));
        DistributedLog.Decision(_logger, RunId, step, decision.LossScale, decision.NextLossScale, !decision.Apply,
            string.Join(",", decision.OverflowHolders), decision.GradNorm, decision.ClipCoefficient, version);
        return (decision, reports);
    }

    /// <summary>
    /// Share <paramref name="share"/> of the step on its holder (<see cref="RunShareAsync"/>). The retry computes from the
    /// same weight version, so slices a failed holder already sent are the same bits; the shards keep the first copy of
    /// each micro-batch.
    /// </summary>
    private Task<WorkerReport> ComputeShareAsync(long step, int share, GradientWork work) =>
        RunShareAsync(share, w => w.Compute(work), (holder, attempt, next, e) =>
            DistributedLog.ShareRetry(_logger, RunId, step, share, holder, attempt, next, e.GetType().Name, e.Message));

    /// <summary>
    /// The old-log-prob pass at the current version: <paramref name="microBatches"/> (indices 0…M−1) split into the
    /// workers' consecutive shares as a step splits them, each share on its holder (<see cref="RunShareAsync"/>: a no-grad
    /// pass changes no shard, so a retry is the same bits). The reports come back in worker order.
    /// </summary>
    public async Task<LogProbReport[]> OldLogProbsAsync(IReadOnlyList<LogProbMicroBatch> microBatches)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        int m = microBatches.Count;
        long version = Version;
        return await Task.WhenAll(Enumerable.Range(0, _workers.Length).Select(share =>
        {
            var (first, count) = DataParallelShares.Of(m, _workers.Length, share);
            var work = new LogProbWork(version, WeightHash, share, m, [.. microBatches.Skip(first).Take(count)]);
            return RunShareAsync(share, w => w.ComputeLogProbs(work), (holder, attempt, next, e) =>
                DistributedLog.LogProbShareRetry(_logger, RunId, version, share, holder, attempt, next, e.GetType().Name, e.Message));
        }));
    }

    /// <summary>
    /// Runs share <paramref name="share"/> on worker <paramref name="share"/>, retried each time its holder fails as a lost
    /// holder does (<see cref="ShardedStepFailure.IsRecoverable"/>), up to <see cref="MaxShareAttempts"/> tries, each on a
    /// re-configured holder: a holder that answered <see cref="DistributedStateLostException"/> is alive (activated again,
    /// e.g. on a survivor after its silo died) and only lost its engine, so it is re-configured and keeps its share — else
    /// every later step would pay that failure again and the other workers would carry its share for the rest of the
    /// run; any other lost holder (its silo died with the call in flight, or cannot be reached) gives the share to the
    /// next worker. Any other error — a bug or bad data, which would fail the same way on every holder — fails at once.
    /// </summary>
    private async Task<T> RunShareAsync<T>(int share, Func<IGradientWorkerGrain, Task<T>> call, Action<int, int, int, Exception> retrying)
    {
        int holder = share;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (attempt > 0) await _workers[holder].Configure(_setup);
                return await call(_workers[holder]);
            }
            catch (Exception e) when (attempt + 1 < MaxShareAttempts && ShardedStepFailure.IsRecoverable(e))
            {
                int next = e is DistributedStateLostException ? holder : (holder + 1) % _workers.Length;
                retrying(holder, attempt + 1, next, e);
                holder = next;
            }
        }
    }

    /// <summary>How many times a share is tried (on its holder or the next) before the step fails (the learner then resumes from the last sharded checkpoint).</summary>
    public const int MaxShareAttempts = 3;

    /// <summary>The current version's trained parameters, fetched from the shards in shard order.</summary>
    public async Task<float[]> FetchWeightsAsync()
    {
        var weights = new float[_layout.TotalCount];
        var slices = await Task.WhenAll(_layout.Shards.Select(r => _shards[r.Index].GetWeightChunk(Version, 0, (int)r.Count)));
        foreach (var r in _layout.Shards) slices[r.Index].CopyTo(weights, r.Offset);
        return weights;
    }

    /// <summary>
    /// A sharded checkpoint of the current version under <paramref name="root"/>/step-N: every shard writes its slice
    /// (in parallel, each atomically), then the learner writes the manifest with their checksums — the commit point.
    /// </summary>
    public async Task<string> CheckpointAsync(string root, long step)
    {
        string dir = ShardCheckpoint.StepDirectory(root, step);
        ShardCheckpoint.WriteManifest(dir, await WriteSlicesAsync(dir, step));
        return dir;
    }

    /// <summary>
    /// Every shard writes its slice of the current version into <paramref name="directory"/> (in parallel, each
    /// atomically); returns the manifest that ties them together, for the caller to write last.
    /// </summary>
    public async Task<ShardCheckpointManifest> WriteSlicesAsync(string directory, long step)
    {
        var files = await Task.WhenAll(_shards.Select(s => s.SaveSlice(directory)));
        return new ShardCheckpointManifest(step, Version, WeightHash, Scale.Scale, Scale.GrowthTracker, Scale.SkippedSteps,
            [.. files.Select(f => new ShardCheckpointEntry(f.Shard, f.File, f.Sha256, f.Offset, f.Count))]);
    }

    /// <summary>
    /// Loads the newest complete sharded checkpoint under <paramref name="root"/> into the shards (checksums checked) and
    /// takes its version, hash and loss-scale state; returns its step, or null when there is none (the shards keep version 0).
    /// </summary>
    public async Task<long?> ResumeAsync(string root)
    {
        if (ShardCheckpoint.Latest(root) is not var (dir, manifest)) return null;
        if (manifest.Shards.Length != _shards.Length)
            throw new InvalidDataException($"sharded checkpoint {dir} has {manifest.Shards.Length} shards, the run has {_shards.Length}");
        await Task.WhenAll(manifest.Shards.Select(e => _shards[e.Shard].LoadSlice(dir, new ShardSliceFile(e.Shard, e.File, e.Sha256, e.Offset, e.Count), manifest.Version)));
        Scale = new LossScaleState(manifest.LossScale, manifest.GrowthTracker, manifest.SkippedSteps);
        Version = manifest.Version;
        WeightHash = manifest.WeightHash;
        return manifest.Step;
    }

    /// <summary>Every shard's own log (every attempt's entries, oldest first), in shard order.</summary>
    public async Task<ShardLogEntry[][]> ShardLogsAsync() => await Task.WhenAll(_shards.Select(s => s.GetLog()));
}

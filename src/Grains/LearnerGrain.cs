using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orleans.Serialization.Buffers;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Experts;
using Precision.Orleans.Engine.Model;
using Precision.Orleans.Grains.Distributed;
using Precision.Orleans.Grains.Placement;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains;

/// <summary>
/// The learner of a run: runs the run's <see cref="PolicyIterationLoop"/> — the loop <c>precision train</c> runs — with
/// the <see cref="GrainRolloutCollector"/>, writing the same metrics.jsonl/metrics.csv and checkpoints under
/// RunsRoot/{runId} and reporting every step to the run grain (the durable history and ledger). The loop runs in
/// the grain's context between turns; the weight manifest/chunk calls interleave with it. A new activation (after its
/// silo died) begins a new attempt, resumes from the newest checkpoint, and the run grain cuts the history back to it.
/// </summary>
[LearnerRolePlacement]
public sealed class LearnerGrain(RlGrainOptions options, ILogger<LearnerGrain> logger, TimeProvider time, RlCounters counters) : Grain, ILearnerGrain
{
    private Task? _loop;
    private bool _stopAfterStep;
    private bool _deactivating;
    private WeightManifest? _manifest;
    private byte[] _payload = [];

    /// <summary>A <c>parallel</c> run's optimizer steps on the shard and worker grains (null: single learner).</summary>
    private GrainDistributedPolicyStep? _shardedStep;
    private TaskCompletionSource _newVersion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private string RunId => this.GetPrimaryKeyString();

    public Task Start()
    {
        if (_loop is null || _loop.IsCompleted && _manifest is null)
        {
            _stopAfterStep = false;
            // A running learner has no calls to keep it alive: keep the activation while its loop runs.
            this.DelayDeactivation(TimeSpan.FromDays(7));
            _loop = RunLoopAsync();
        }
        return Task.CompletedTask;
    }

    /// <summary>Ends the loop after the step in flight, which it finishes and records; the run then becomes Cancelled.</summary>
    public Task Stop()
    {
        _stopAfterStep = true;
        return Task.CompletedTask;
    }

    public async Task<WeightManifest> GetWeightManifest(long minVersion)
    {
        var deadline = time.GetUtcNow() + options.WeightWaitTimeout;
        while (true)
        {
            var waiter = _newVersion.Task;
            if (_manifest is { } m && m.Version >= minVersion) return m;
            // This learner dispatches a step only after publishing the version it needs, so a request for a newer
            // version than it has published comes from a step a previous activation abandoned (learner failover).
            if (_manifest is { } current)
                throw new InvalidOperationException($"learner of '{RunId}': weight version {minVersion} is newer than this learner's ({current.Version}); " +
                    "the request belongs to a step abandoned before a learner failover");
            if (_loop is null) await Start();
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"learner of '{RunId}': weight version {minVersion} not published within {options.WeightWaitTimeout.TotalSeconds:0} s");
            await Task.WhenAny(waiter, Task.Delay(left));
        }
    }

    public Task<PooledBuffer> GetWeightChunk(long version, int index)
    {
        if (_manifest is not { } m || m.Version != version)
            throw new InvalidOperationException($"learner of '{RunId}': weight version {version} is no longer published (newest: {_manifest?.Version.ToString() ?? "none"})");
        if ((uint)index >= (uint)m.ChunkCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"version {version} has {m.ChunkCount} chunks");
        long offset = (long)index * m.ChunkBytes;
        // Pooled, not a new array per chunk: Orleans' codec returns it to the pool once it is serialized.
        var chunk = new PooledBuffer();
        chunk.Write(_payload.AsSpan((int)offset, (int)Math.Min(m.ChunkBytes, _payload.Length - offset)));
        return Task.FromResult(chunk);
    }

    public Task<WeightVersion> GetVersion() =>
        Task.FromResult(_manifest is { } m ? new WeightVersion(m.Version, m.Sha256) : new WeightVersion(-1, ""));

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The loop ends after the step in flight; unless the run was stopped, a new activation resumes it.
        _deactivating = true;
        GrainsLog.LearnerDeactivated(logger, RunId, reason.ToString());
        return Task.CompletedTask;
    }

    /// <summary>Makes the learner's weights the published version and tells the workers (at-most-once: the version number in each request stays the truth).</summary>
    private async Task PublishAsync(PolicyLearner learner)
    {
        var master = MemoryMarshal.AsBytes(learner.Engine.MasterWeights.AsSpan());
        var adapters = learner.Engine.Adapters is { } a ? MemoryMarshal.AsBytes(a.Weights.AsSpan()) : [];
        var payload = new byte[master.Length + adapters.Length];
        master.CopyTo(payload);
        adapters.CopyTo(payload.AsSpan(master.Length));
        int chunk = options.WeightChunkBytes;
        _payload = payload;
        // Full fine-tuning on shards: the payload is exactly the shards' slices, which the silos' caches fetch from them.
        var shards = _shardedStep?.Coordinator is { } c && adapters.Length == 0
            ? new ShardedWeightSource(c.RunId, c.Version, c.WeightHash, [.. c.Layout.Shards.Select(r => r.Offset)], [.. c.Layout.Shards.Select(r => r.Count)])
            : null;
        _manifest = new WeightManifest(learner.WeightVersion, learner.WeightHash, master.Length, adapters.Length, chunk,
            Math.Max(1, (int)((payload.LongLength + chunk - 1) / chunk)), shards, WeightTransportHash.Of(payload));
        Interlocked.Exchange(ref _newVersion, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            var workers = await GrainFactory.GetGrain<IWorkerPoolGrain>(IWorkerPoolGrain.Key).List();
            foreach (var w in workers) await GrainFactory.GetGrain<IRolloutWorkerGrain>(w.WorkerKey).Announce(RunId, learner.WeightVersion);
        }
        catch (Exception e)
        {
            GrainsLog.AnnounceFailed(logger, RunId, learner.WeightVersion, e.Message);
        }
    }

    private async Task RunLoopAsync()
    {
        try
        {
            // A sharded or expert-parallel run whose step failed because a shard's, gradient worker's or expert worker's silo
            // died, taking its state with it (ShardedStepFailure.IsRecoverable), restarts from its last checkpoint: the shards
            // and expert workers are loaded again from it on the silos still alive, at most RlGrainOptions.ShardedRunRestarts
            // times, ShardedRunRestartDelay apart. Any other error ends the run at once.
            for (int recovery = 0; ; recovery++)
            {
                var outcome = await RunOnceAsync();
                if (outcome is not { } failure) return;
                if (recovery >= options.ShardedRunRestarts)
                {
                    await FinishFailedAsync(failure.Attempt, $"{failure.Error.Message} (distributed learner: gave up after {recovery} restarts from the last checkpoint)");
                    return;
                }
                GrainsLog.ShardedStepRecovering(logger, RunId, recovery + 1, options.ShardedRunRestarts, failure.Error.GetType().Name, failure.Error.Message);
                _shardedStep = null;
                // Time for the membership to declare a killed silo dead, so placement skips it on the restart.
                await Task.Delay(options.ShardedRunRestartDelay);
            }
        }
        finally
        {
            // Negative: back to the regular idle collection.
            this.DelayDeactivation(TimeSpan.FromMilliseconds(-1));
        }
    }

    private sealed record ShardedFailure(int Attempt, Exception Error);

    private async Task FinishFailedAsync(int attempt, string reason)
    {
        try
        {
            if (attempt > 0) await RunCalls.RetryAsync(() => GrainFactory.GetGrain<IRunGrain>(RunId).Finish(attempt, RunState.Failed, reason));
        }
        catch (Exception)
        {
            // The run grain is unreachable too (cluster shutting down): the next learner attempt resumes the run.
        }
    }

    /// <summary>One pass of the run from its last checkpoint; a sharded run that lost a silo comes back for a restart, any other failure ends the run.</summary>
    private async Task<ShardedFailure?> RunOnceAsync()
    {
        string runId = RunId;
        var run = GrainFactory.GetGrain<IRunGrain>(runId);
        int attempt = 0;
        bool sharded = false;
        try
        {
            string yaml = await RunCalls.RetryAsync(run.GetSpec);
            if (yaml.Length == 0) throw new InvalidOperationException($"learner of '{runId}': no run spec stored (submit the run first)");
            var status = await RunCalls.RetryAsync(run.GetStatus);
            if (status.State is RunState.Completed or RunState.Cancelled or RunState.Failed) return null;
            var spec = RunGrain.ParseSpec(yaml, runId, options);
            // Expert-parallel too: the learner's experts live on ExpertWorker grains, which a silo's death takes with it.
            sharded = spec.Parallel.SplitsTheStep || spec.Parallel.ExpertWorkers > 1;
            string runDirectory = Path.Combine(options.RunsRoot, runId);
            // parallel.expert_workers > 1, unsharded: the learner's engine trains every step and runs its experts on the
            // run's learner ExpertWorker grains (learner-role silos); Open runs off the grain scheduler, as does every
            // training pass, since the engine blocks on them. A sharded run's learner engine runs no pass at all (the
            // gradient workers run the steps and the old-log-prob pass on their own groups), so it keeps in-process owners.
            var grainFactory = GrainFactory;
            Func<ModelConfig, DType, int, ITrainingExpertExecutor>? learnerExperts = spec.Parallel.SplitsTheStep ? null
                : (config, dtype, owners) => new ExpertTrainingGroup(grainFactory, ExpertGroups.Learner(runId), config, dtype, owners);
            var start = await Task.Run(() => LearnerStart.Open(spec, runDirectory, expertExecutors: learnerExperts));
            AtomicFile.WriteAllText(Path.Combine(runDirectory, RlTrainer.SpecFileName), RunSpecWriter.ToYaml(spec));
            var learner = start.Learner;
            attempt = await RunCalls.RetryAsync(() => run.BeginAttempt(start.StartStep, learner.WeightVersion, learner.WeightHash));
            if (spec.Parallel.SplitsTheStep)
            {
                // The run's optimizer steps go to its parameter-shard and gradient-worker grains (learner-role silos); the
                // shards log them under this attempt, after the entries of the attempts before.
                var coordinator = await ShardedLearnerCoordinator.StartAsync(GrainFactory, runId, learner.Engine, spec.Parallel.GradientWorkers,
                    spec.Parallel.Shards, logger, RunSpecWriter.ToYaml(spec), spec.Parallel.ExpertWorkers, attempt);
                _shardedStep = new GrainDistributedPolicyStep(coordinator, learner.Engine);
                learner.UseDistributedStep(_shardedStep);
            }
            GrainsLog.LearnerStarted(logger, runId, attempt > 1 ? "resumed" : "started", start.StartStep, start.StartStep);
            var loop = new PolicyIterationLoop(spec, learner, new GrainRolloutCollector(GrainFactory, runId, spec, PublishAsync, logger))
            {
                StopRequested = async () => _stopAfterStep || _deactivating || await RunCalls.RetryAsync(run.IsCancelRequested),
                StepLogged = async outcome =>
                {
                    counters.StepTrained(outcome.Metrics);
                    var record = IterationRecords.From(outcome, learner.WeightHash, time.GetUtcNow());
                    TrainedGroup[] trained = [.. outcome.Collected.Provenance.Select(p => new TrainedGroup(outcome.Metrics.Step, p.PromptIndex, p.WorkerKey, p.Attempts, p.WeightVersion))];
                    return await RunCalls.RetryAsync(() => run.RecordStep(attempt, record, trained));
                },
                Checkpointed = async step => await RunCalls.RetryAsync(() => run.RecordCheckpoint(attempt, step)),
            };
            var result = await loop.RunAsync(start, runDirectory);
            if (result.Abandoned) return null;
            if (result.Stopped && _deactivating && !_stopAfterStep && !await RunCalls.RetryAsync(run.IsCancelRequested))
            {
                // Deactivated, not stopped (e.g. the directory lost its entry): the next activation resumes from the checkpoint.
                var grains = GrainFactory;
                _ = Task.Run(() => RunCalls.RetryAsync(() => grains.GetGrain<ILearnerGrain>(runId).Start()));
                return null;
            }
            await RunCalls.RetryAsync(() => run.Finish(attempt, result.Stopped ? RunState.Cancelled : RunState.Completed, null));
        }
        catch (Exception e) when (sharded && ShardedStepFailure.IsRecoverable(e) && !_deactivating && !_stopAfterStep)
        {
            GrainsLog.LearnerFailed(logger, runId, e);
            return new ShardedFailure(attempt, e);
        }
        catch (Exception e)
        {
            GrainsLog.LearnerFailed(logger, runId, e);
            await FinishFailedAsync(attempt, e.Message);
        }
        return null;
    }
}

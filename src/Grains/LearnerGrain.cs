using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Engine.Checkpoints;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;
using Precision.Orleans.RL.Training;
using Precision.Orleans.Runtime.Activation;
using Precision.Orleans.Runtime.Placement;
using Precision.Orleans.Runtime.Storage;
using RuntimeSilo = Precision.Orleans.Runtime.Hosting.Silo;

namespace Precision.Orleans.Grains;

/// <summary>
/// The learner of a run. Its loop runs OUTSIDE grain turns (a background task), so the grain keeps answering
/// <see cref="GetWeights"/> for the workers while it waits for the step's groups: per step it draws the prompts,
/// sends each group to its <see cref="IPromptGroupGrain"/>, trains each group exactly once (an array slot per prompt
/// index), publishes version+1 with its SHA-256, appends the metrics row and ledger to the durable progress document,
/// and checkpoints every <c>schedule.checkpoint_every</c> steps. A new activation (after its silo died) resumes from
/// the newest checkpoint and truncates the progress document to it.
/// </summary>
[PlacementRole("learner")]
public sealed class LearnerGrain(IGrainStorage storage, RlGrainOptions options, ILogger<LearnerGrain> logger, TimeProvider time, RuntimeSilo silo)
    : Grain, ILearnerGrain
{
    private readonly Lock _lock = new();
    private Task? _loop;
    private CancellationTokenSource _stop = new();
    private volatile bool _stopAfterStep;
    private volatile WeightSnapshot? _published;
    private volatile TaskCompletionSource _newVersion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Start()
    {
        lock (_lock)
        {
            if (_loop is null || _loop.IsCompleted && !_stop.IsCancellationRequested && _published is null)
            {
                _stop = new CancellationTokenSource();
                var factory = GrainFactory;
                string runId = GrainKey;
                _loop = Task.Run(() => RunLoopAsync(runId, factory, _stop.Token));
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Ends the loop after the step in flight, which it finishes and records; the loop then writes the run as
    /// Cancelled. (Cancelling the step's token instead would abandon the step mid-way and leave the run Running.)
    /// </summary>
    public Task Stop()
    {
        _stopAfterStep = true;
        return Task.CompletedTask;
    }

    public async Task<WeightSnapshot> GetWeights(long minVersion)
    {
        var deadline = time.GetUtcNow() + options.WeightWaitTimeout;
        while (true)
        {
            var waiter = _newVersion.Task;
            if (_published is { } snapshot && snapshot.Version >= minVersion) return snapshot;
            // This learner dispatches a step only after publishing the version it needs, so a request for a newer
            // version than it has published comes from a step a previous activation abandoned (learner failover).
            // Fail it now: waiting would hold the worker's turn and stall the groups this learner is waiting for.
            if (_published is { } current)
                throw new InvalidOperationException($"learner of '{GrainKey}': weight version {minVersion} is newer than this learner's ({current.Version}); " +
                    "the request belongs to a step abandoned before a learner failover");
            if (_loop is null) await Start();
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"learner of '{GrainKey}': weight version {minVersion} not published within {options.WeightWaitTimeout.TotalSeconds:0} s " +
                    $"(newest: {_published?.Version.ToString() ?? "none"})");
            await Task.WhenAny(waiter, Task.Delay(left));
        }
    }

    public Task<WeightVersion> GetVersion() =>
        Task.FromResult(_published is { } s ? new WeightVersion(s.Version, s.Sha256) : new WeightVersion(-1, ""));

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stop.Cancel();
        return _loop ?? Task.CompletedTask;
    }

    private void Publish(PolicyLearner learner)
    {
        _published = new WeightSnapshot(learner.WeightVersion, learner.WeightHash, (float[])learner.Engine.MasterWeights.Clone());
        Interlocked.Exchange(ref _newVersion, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task RunLoopAsync(string runId, Abstractions.Grains.IGrainFactory grains, CancellationToken stop)
    {
        var runDoc = new DurableState<RunDocument>(storage, RunDocument.StateName, runId, () => new RunDocument());
        var progress = new DurableState<ProgressDocument>(storage, ProgressDocument.StateName, runId, () => new ProgressDocument());
        try
        {
            await runDoc.ReadAsync();
            if (!runDoc.Exists) throw new InvalidOperationException($"learner of '{runId}': no run spec stored (submit the run first)");
            await progress.ReadAsync();
            if (progress.Value.State is RunState.Completed or RunState.Cancelled or RunState.Failed) return;
            var spec = RunGrain.ParseSpec(runDoc.Value.SpecYaml, runId, options);
            string runDirectory = Path.Combine(options.RunsRoot, runId);
            var start = await Task.Run(() => LearnerStart.Open(spec, runDirectory), stop);
            AtomicFile.WriteAllText(Path.Combine(runDirectory, RlTrainer.SpecFileName), RunSpecWriter.ToYaml(spec));
            var learner = start.Learner;
            Publish(learner);

            var p = progress.Value;
            bool restarted = p.State == RunState.Running || p.Step > 0;
            GrainsLog.LearnerStarted(logger, runId, restarted ? "resumed" : "started", start.StartStep, start.StartStep);
            await progress.WriteAsync(p with
            {
                State = RunState.Running,
                Step = start.StartStep,
                CheckpointStep = start.StartStep,
                WeightVersion = learner.WeightVersion,
                WeightHash = learner.WeightHash,
                UpdatedAt = time.GetUtcNow(),
                Records = [.. p.Records.Where(r => r.Step <= start.StartStep)],
                Trained = [.. p.Trained.Where(t => t.Step <= start.StartStep)],
                Resumes = restarted ? [.. p.Resumes, new LearnerResume(start.StartStep, p.Step, time.GetUtcNow())] : p.Resumes,
            });

            int step = start.StartStep;
            var finalState = RunState.Completed;
            while (step < spec.Schedule.Iterations)
            {
                if (stop.IsCancellationRequested || _stopAfterStep || (await runDoc.ReadAsync()).CancelRequested)
                {
                    finalState = RunState.Cancelled;
                    break;
                }
                var (record, trained) = await TrainStepAsync(runId, grains, spec, learner, ++step, stop);
                // A crashed silo (in-process: aborted) must not write after its successor started: stop here.
                if (!silo.IsServing) return;
                Publish(learner);
                bool done = spec.Schedule.StopAtAccuracy > 0 && record.Accuracy >= spec.Schedule.StopAtAccuracy;
                bool checkpoint = spec.Schedule.CheckpointEvery > 0 && step % spec.Schedule.CheckpointEvery == 0 || step == spec.Schedule.Iterations || done;
                // Progress first, checkpoint second: a crash between them resumes from the previous checkpoint and
                // retrains the steps since (the progress is truncated to it), never a checkpoint without its rows.
                p = progress.Value;
                await progress.WriteAsync(p with
                {
                    Step = step,
                    WeightVersion = learner.WeightVersion,
                    WeightHash = learner.WeightHash,
                    UpdatedAt = time.GetUtcNow(),
                    Records = [.. p.Records, record],
                    Trained = [.. p.Trained, .. trained],
                });
                if (checkpoint)
                {
                    await Task.Run(() => learner.Checkpoint(start.Store, step), CancellationToken.None);
                    await progress.WriteAsync(progress.Value with { CheckpointStep = step });
                }
                if (done) break;
            }
            if (!silo.IsServing) return;
            if (step > progress.Value.CheckpointStep)
            {
                await Task.Run(() => learner.Checkpoint(start.Store, step), CancellationToken.None);
                await progress.WriteAsync(progress.Value with { CheckpointStep = step });
            }
            await progress.WriteAsync(progress.Value with { State = finalState, UpdatedAt = time.GetUtcNow() });
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Deactivation or Stop mid-step: the next activation resumes from the last checkpoint.
        }
        catch (StorageConflictException)
        {
            // Another learner activation owns the run now (this one's silo was declared dead): stop quietly.
        }
        catch (Exception e)
        {
            GrainsLog.LearnerFailed(logger, runId, e);
            try
            {
                await progress.ReadAsync();
                await progress.WriteAsync(progress.Value with { State = RunState.Failed, Error = e.Message, UpdatedAt = time.GetUtcNow() });
            }
            catch (StorageConflictException)
            {
            }
        }
    }

    private async Task<(IterationRecord Record, List<TrainedGroup> Trained)> TrainStepAsync(string runId, Abstractions.Grains.IGrainFactory grains,
        RunSpec spec, PolicyLearner learner, int step, CancellationToken stop)
    {
        var total = Stopwatch.StartNew();
        var prompts = learner.NextPrompts();
        long minVersion = Math.Max(0, learner.WeightVersion - spec.Schedule.MaxWeightLag);
        // The learner's prompt encoder gives the prompts and the stop tokens: workers stop exactly as the embedded run does.
        var sampling = GroupRollout.Sampling(spec, step, 0, learner.StopTokens);
        var settings = new SamplingSettings(sampling.Temperature, sampling.TopP, sampling.TopK, sampling.MaxNewTokens, [.. sampling.StopTokens], sampling.Seed);
        var clock = Stopwatch.StartNew();
        // One slot per prompt index: each group is trained exactly once, whatever retries happened underneath.
        var scored = await Task.WhenAll(prompts.Select(p => RunGroupAsync(grains, new PromptGroupWork(runId, step, p.Index, p.Problem.Prompt,
            p.Problem.Answer, p.Tokens, spec.Batch.GroupSize, spec.Data.Task ?? "", spec.Algorithm.NormalizeAdvantageStd, spec.Model,
            spec.Precision.Rollout.Name(), minVersion, learner.WeightVersion, settings), stop)));
        double rolloutSeconds = clock.Elapsed.TotalSeconds;
        var groups = scored.Select(s => new GroupRollouts(s.PromptIndex, prompts[s.PromptIndex].Problem,
            [.. s.Sequences.Select(q => new RolloutSequence(s.PromptTokens, q.Tokens, q.LogProbs, q.Finish == "stop" ? FinishReason.Stop : FinishReason.Length))],
            s.Rewards, s.Advantages) { WeightVersion = s.WeightVersion }).ToArray();
        var metrics = await Task.Run(() => learner.Train(step, groups, rolloutSeconds), CancellationToken.None);
        var record = new IterationRecord
        {
            Step = step,
            WeightVersion = learner.WeightVersion,
            WeightHash = learner.WeightHash,
            Accuracy = metrics.Accuracy,
            RewardMean = metrics.RewardMean,
            Loss = metrics.Loss,
            K1 = metrics.K1,
            K3 = metrics.K3,
            MeanAbsProbDiff = metrics.MeanAbsProbDiff,
            MeanAbsSeqLogRatio = metrics.MeanAbsSeqLogRatio,
            LossScale = metrics.LossScale,
            SkippedSteps = metrics.SkippedSteps,
            GradNormMean = metrics.GradNormMean,
            Rollouts = metrics.Rollouts,
            ResponseTokens = metrics.ResponseTokens,
            ResponseLengthMean = metrics.ResponseLengthMean,
            TokensPerSecond = rolloutSeconds > 0 ? metrics.ResponseTokens / rolloutSeconds : 0,
            RolloutSeconds = rolloutSeconds,
            TrainSeconds = metrics.TrainSeconds + metrics.OldLogProbSeconds,
            IterationSeconds = total.Elapsed.TotalSeconds,
            MinRolloutWeightVersion = scored.Min(s => s.WeightVersion),
            Workers = scored.Select(s => s.WorkerKey).Distinct().Count(),
            Redispatches = scored.Sum(s => s.Attempts - 1),
            CompletedAt = time.GetUtcNow(),
        };
        return (record, [.. scored.Select(s => new TrainedGroup(step, s.PromptIndex, s.WorkerKey, s.Attempts, s.WeightVersion))]);
    }

    /// <summary>Calls the group's grain until it answers; a repeated call returns the kept result (or, if the group's own
    /// silo died, a re-activation samples the identical group again — nothing is trained until the answer arrives).</summary>
    private async Task<ScoredGroup> RunGroupAsync(Abstractions.Grains.IGrainFactory grains, PromptGroupWork work, CancellationToken stop)
    {
        var group = grains.GetGrain<IPromptGroupGrain>($"{work.RunId}/{work.Step}/{work.PromptIndex}");
        for (int attempt = 1; ; attempt++)
        {
            stop.ThrowIfCancellationRequested();
            try
            {
                var result = await group.Run(work);
                if (result.Step != work.Step || result.PromptIndex != work.PromptIndex || result.Sequences.Count != work.GroupSize)
                    throw new InvalidDataException($"prompt group {work.RunId}/{work.Step}/{work.PromptIndex} answered for {result.Step}/{result.PromptIndex} with {result.Sequences.Count} rollouts");
                return result;
            }
            catch (Exception e) when (attempt < 5 && e is not InvalidDataException && !stop.IsCancellationRequested)
            {
                GrainsLog.GroupRetry(logger, work.RunId, work.Step, work.PromptIndex, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), stop);
            }
        }
    }
}

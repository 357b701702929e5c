using System.Diagnostics;
using Precision.Orleans.RL.Checkpoints;
using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// THE policy-iteration loop (oat's learner shape), run by the embedded trainer and by the learner grain alike:
/// next prompts → collect scored groups (<see cref="IRolloutCollector"/>) → train (M mini-batches, loss-scaled) →
/// publish the weight version → log the row to <c>metrics.jsonl</c>/<c>metrics.csv</c> → checkpoint every
/// <c>schedule.checkpoint_every</c> steps. The log comes before the checkpoint: a crash between them resumes from the
/// previous checkpoint and trains the steps since again (the logs are cut back to it), never a checkpoint without
/// its rows. Awaits return to the caller's scheduler (no ConfigureAwait(false)): in a grain the hooks run in its turn.
/// </summary>
public sealed class PolicyIterationLoop(RunSpec spec, PolicyLearner learner, IRolloutCollector collector)
{
    public PolicyLearner Learner => learner;

    /// <summary>Checked before every step; true ends the loop (the run stopped early).</summary>
    public Func<ValueTask<bool>>? StopRequested { get; init; }

    /// <summary>After a step's row is in the metrics files; false ends the loop (e.g. another learner owns the run now).</summary>
    public Func<StepOutcome, ValueTask<bool>>? StepLogged { get; init; }

    /// <summary>Resuming from an older checkpoint than the newest: keep the superseded metrics rows in a file beside the superseded checkpoints.</summary>
    public bool KeepSupersededRows { get; init; }

    /// <summary>Called with each repair made to metrics.jsonl/metrics.csv so that they match the checkpoint resumed from.</summary>
    public Action<string>? MetricsRepaired { get; init; }

    /// <summary>After a step-N checkpoint was written.</summary>
    public Func<int, ValueTask>? Checkpointed { get; init; }

    /// <summary>One step: prompts → collect → train → publish. The row's sync and iteration times include publishing.</summary>
    public async Task<StepOutcome> StepAsync(int step, CancellationToken cancellationToken)
    {
        var prompts = learner.NextPrompts();
        long minVersion = Math.Max(0, learner.WeightVersion - spec.Schedule.MaxWeightLag);
        var request = new StepRollouts(step, prompts, GroupRollout.Sampling(spec, step, 0, learner.StopTokens), minVersion, learner.WeightVersion);
        var collected = await collector.CollectAsync(request, cancellationToken);
        // CPU-bound stages leave the caller's scheduler (a grain's turn) free while they run.
        var metrics = await Task.Run(() => learner.TrainAsync(step, collected.Groups, collected.RolloutSeconds), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        await collector.PublishAsync(learner, cancellationToken);
        double publish = clock.Elapsed.TotalSeconds;
        return new StepOutcome(metrics with { SyncSeconds = metrics.SyncSeconds + publish, IterationSeconds = metrics.IterationSeconds + publish }, collected);
    }

    /// <summary>
    /// Runs from <paramref name="start"/> to <c>schedule.iterations</c> (or stop_at_accuracy, or a stop request),
    /// writing the run directory's metrics files and checkpoints; publishes the starting weights first.
    /// </summary>
    public async Task<LoopResult> RunAsync(LearnerStart start, string runDirectory, IProgress<IterationMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        await collector.PublishAsync(learner, cancellationToken);
        var metrics = new MetricsLog(runDirectory);
        var (kept, repairs) = metrics.ResumeAt(start.StartStep, KeepSupersededRows);
        foreach (string repair in repairs) MetricsRepaired?.Invoke(repair);
        var rows = kept.ToList();
        int step = start.StartStep, lastCheckpoint = start.StartStep;
        bool stopped = false;
        while (step < spec.Schedule.Iterations)
        {
            if (StopRequested is { } stop && await stop())
            {
                stopped = true;
                break;
            }
            var outcome = await StepAsync(++step, cancellationToken);
            metrics.Append(outcome.Metrics);
            rows.Add(outcome.Metrics);
            progress?.Report(outcome.Metrics);
            if (StepLogged is { } logged && !await logged(outcome)) return new LoopResult(Summary(start, step, rows, metrics), Stopped: true, Abandoned: true);
            bool done = spec.Schedule.StopAtAccuracy > 0 && outcome.Metrics.Accuracy >= spec.Schedule.StopAtAccuracy;
            if (spec.Schedule.CheckpointEvery > 0 && step % spec.Schedule.CheckpointEvery == 0)
                await CheckpointAsync(start, lastCheckpoint = step);
            if (done) break;
        }
        if (step > lastCheckpoint) await CheckpointAsync(start, step);
        return new LoopResult(Summary(start, step, rows, metrics), stopped, Abandoned: false);
    }

    private async Task CheckpointAsync(LearnerStart start, int step)
    {
        await Task.Run(() => learner.CheckpointAsync(start.Store, step), CancellationToken.None);
        if (Checkpointed is { } hook) await hook(step);
    }

    private static RunSummary Summary(LearnerStart start, int step, List<IterationMetrics> rows, MetricsLog metrics) =>
        new(step, start.Resumed ? start.StartStep : null, rows.LastOrDefault(), rows.Count == 0 ? 0 : rows.Max(r => r.Accuracy),
            rows.FirstOrDefault(r => r.Accuracy >= RlTrainer.TargetAccuracy)?.Step, metrics.JsonlPath, start.Footprint);
}

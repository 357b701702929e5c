using Precision.Orleans.Abstractions.Grains.Distributed;
using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Training;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Grains.Distributed;

/// <summary>
/// The distributed policy step on the cluster: the learner grain's <c>parallel</c> runs send each optimizer step's policy
/// micro-batches to the <see cref="IGradientWorkerGrain"/>s through a <see cref="ShardedLearnerCoordinator"/>; the
/// <see cref="IParameterShardGrain"/>s hold the master weights and AdamW state. After each step the learner's engine
/// fetches the new version from the shards (weights, step count, loss scale), never the AdamW moments: the shards write
/// their slices of each checkpoint themselves.
/// Run it off the grain scheduler (the learner trains inside <c>Task.Run</c>).
/// </summary>
public sealed class GrainDistributedPolicyStep(ShardedLearnerCoordinator coordinator, TrainingEngine engine) : IDistributedPolicyStep
{
    public ShardedLearnerCoordinator Coordinator => coordinator;

    /// <summary>Gradient-worker reports received (one per worker share per step).</summary>
    public int WorkerReports { get; private set; }

    /// <summary>Old-log-prob micro-batches the gradient workers returned (the pass ran on them, not in the learner).</summary>
    public int OldLogProbMicroBatches { get; private set; }

    /// <summary>
    /// The old-log-prob pass on the gradient worker grains, in the step's shares, at the version they hold (or fetch) for
    /// the iteration's first step: the sequences go out, each row's response log-probs (MoE: routing) come back.
    /// </summary>
    public async Task<OldLogProbPass[]> OldLogProbsAsync(IReadOnlyList<PolicyMicroBatchRows> microBatches)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        var wire = microBatches.Select((b, i) => new LogProbMicroBatch(i, b.Sequences, b.PromptLengths)).ToArray();
        var reports = await coordinator.OldLogProbsAsync(wire);
        var passes = new OldLogProbPass[microBatches.Count];
        foreach (var o in reports.SelectMany(r => r.MicroBatches))
        {
            if ((uint)o.Index >= (uint)passes.Length || o.ResponseLogProbs.Length != microBatches[o.Index].Sequences.Length)
                throw new InvalidOperationException($"run {coordinator.RunId}: a gradient worker returned old-log-prob micro-batch {o.Index} " +
                    $"with {o.ResponseLogProbs.Length} rows (of {passes.Length} micro-batches)");
            passes[o.Index] = new OldLogProbPass(o.ResponseLogProbs, o.Routing is { } routing ? [.. routing.Select(WireSequences.FromWire)] : null);
        }
        if (Array.IndexOf(passes, null) is int missing and >= 0)
            throw new InvalidOperationException($"run {coordinator.RunId}: no gradient worker returned old-log-prob micro-batch {missing}");
        OldLogProbMicroBatches += passes.Length;
        return passes;
    }

    public async Task<DistributedPolicyStepResult> StepAsync(long step, IReadOnlyList<PolicyMicroBatchRows> microBatches, float maxGradNorm, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        var wire = microBatches.Select((b, i) => new PolicyMicroBatch(i, b.Sequences, b.PromptLengths, b.RolloutLogProbs, b.OldLogProbs,
            b.Advantages, b.Normalizers.Sequences, b.Normalizers.Tokens, b.Normalizers.MaxResponseLength)).ToArray();
        var (decision, reports) = await coordinator.StepAsync(step, wire, maxGradNorm, learningRate);
        WorkerReports += reports.Length;
        var passes = new PolicyMicroBatchPass[microBatches.Count];
        foreach (var o in reports.SelectMany(r => r.Policy ?? []))
            passes[o.Index] = new PolicyMicroBatchPass(new PolicyLossResult(o.Loss, [], new ImportanceWeightStats(o.StatsCount, o.WeightMean, o.WeightMax,
                o.EffectiveSampleSize, o.TruncatedFraction, o.MaskedFraction, o.ClippedFraction)), o.LogProbs, o.SeqLen,
                o.Routing is { } routing ? [.. routing.Select(WireSequences.FromWire)] : null);
        if (Array.IndexOf(passes, null) is int missing and >= 0)
            throw new InvalidOperationException($"run {coordinator.RunId} step {step}: no gradient worker reported micro-batch {missing}");
        engine.LoadTrainedWeights(await coordinator.FetchWeightsAsync());
        if (decision.Apply) engine.Optimizer.StepCount++;
        var scale = coordinator.Scale;
        engine.LossScaler.Restore(scale.Scale, scale.GrowthTracker, scale.SkippedSteps);
        return new DistributedPolicyStepResult(decision.Apply, decision.GradNorm, decision.LossScale, decision.NextLossScale, passes);
    }

    /// <summary>The shards write their slices of each checkpoint; the learner's engine never fetches the moments.</summary>
    public bool ShardsWriteCheckpoints => true;

    public Task<ShardCheckpointManifest> WriteCheckpointSlicesAsync(string directory, long step) => coordinator.WriteSlicesAsync(directory, step);
}

using Precision.Orleans.Engine.Distributed;
using Precision.Orleans.Engine.Training;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One optimizer step of a <c>parallel</c> run's policy loss over a mini-batch's micro-batches, by gradient workers and
/// parameter shards: in this process (<see cref="LocalDistributedPolicyStep"/>) or on the cluster's grains. After a step
/// the learner's engine holds the new weight version, step count and loss scale (the one-process view the weight hash,
/// the checkpoints and the metrics read). The old-log-prob pass (π_θ') runs on the gradient workers too.
/// </summary>
public interface IDistributedPolicyStep
{
    /// <summary>
    /// The old-log-prob pass at the current weight version: a no-grad forward of every one of <paramref name="microBatches"/>
    /// (the learner's chunks, padded as it pads them), split over the gradient workers in the step's consecutive shares
    /// (<c>DataParallelShares</c>); per micro-batch, in order, each row's response log-probs and (MoE) routing.
    /// </summary>
    Task<OldLogProbPass[]> OldLogProbsAsync(IReadOnlyList<PolicyMicroBatchRows> microBatches);

    /// <summary>Runs one optimizer step (global step number <paramref name="step"/>) over <paramref name="microBatches"/>, in micro-batch order.</summary>
    Task<DistributedPolicyStepResult> StepAsync(long step, IReadOnlyList<PolicyMicroBatchRows> microBatches, float maxGradNorm, float learningRate);

    /// <summary>
    /// Whether the shards write the run's checkpoints themselves (<see cref="WriteCheckpointSlicesAsync"/>: the cluster's
    /// shards, whose moments the learner's engine never holds); false where the engine mirrors the shards' whole state
    /// after every step and the learner writes the full checkpoint (in process).
    /// </summary>
    bool ShardsWriteCheckpoints { get; }

    /// <summary>
    /// Every shard writes its slice of the current version (master, AdamW moments, step count) into
    /// <paramref name="directory"/>, in parallel, each atomically; returns the manifest tying the slices together
    /// (for the learner to write, last) for checkpoint step <paramref name="step"/>.
    /// </summary>
    Task<ShardCheckpointManifest> WriteCheckpointSlicesAsync(string directory, long step);
}

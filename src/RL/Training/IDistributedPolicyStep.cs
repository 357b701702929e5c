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

    /// <summary>Writes the shards' AdamW moments into the learner's engine (before a full checkpoint).</summary>
    Task MirrorMomentsAsync();
}

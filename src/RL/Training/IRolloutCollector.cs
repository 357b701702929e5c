namespace Precision.Orleans.RL.Training;

/// <summary>
/// The collect stage of the policy-iteration loop (oat's actor side): publishes the learner's weight versions to
/// whoever samples, and returns a step's scored prompt groups. Two implementations: <see cref="LocalRolloutCollector"/>
/// (the rollout engine in this process) and the cluster's prompt-group grains.
/// </summary>
public interface IRolloutCollector
{
    /// <summary>Makes the learner's current weights (<see cref="PolicyLearner.WeightVersion"/>) the version samplers use.</summary>
    ValueTask PublishAsync(PolicyLearner learner, CancellationToken cancellationToken);

    /// <summary>Samples and scores the step's B groups of G rollouts (any order; the learner sorts them by prompt index).</summary>
    Task<CollectedStep> CollectAsync(StepRollouts request, CancellationToken cancellationToken);
}

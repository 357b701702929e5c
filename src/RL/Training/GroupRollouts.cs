using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// One scored prompt group: the G responses to <see cref="Problem"/> (sequences PromptIndex·G … of the step), their
/// rewards and group-relative advantages. The unit the learner trains on, whoever sampled it.
/// </summary>
public sealed record GroupRollouts(int PromptIndex, Problem Problem, IReadOnlyList<RolloutSequence> Sequences, double[] Rewards, float[] Advantages)
{
    /// <summary>Weight version the sequences were sampled with (−1: not reported).</summary>
    public long WeightVersion { get; init; } = -1;
}

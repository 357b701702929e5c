using Precision.Orleans.Abstractions;
using Precision.Orleans.Engine.Rollout;
using Precision.Orleans.Engine.Text;
using Precision.Orleans.RL.Algorithms;
using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Tasks;

namespace Precision.Orleans.RL.Training;

/// <summary>
/// The rollout and scoring stages of a policy iteration for ONE prompt group, shared by the embedded trainer and the
/// prompt-group / rollout-worker grains. Sampling of sequence i of a step always draws from the stream
/// (step seed, i), so a group sampled alone on any worker equals the same group inside the step's whole batch.
/// </summary>
public static class GroupRollout
{
    /// <summary>
    /// Sampling options of step <paramref name="step"/> for a call whose first sequence is <paramref name="firstSequenceIndex"/>;
    /// <paramref name="stopTokens"/>: the run's prompt encoder's (<see cref="PolicyLearner.StopTokens"/>).
    /// </summary>
    public static SamplingOptions Sampling(RunSpec spec, int step, long firstSequenceIndex, IReadOnlyList<int> stopTokens) => new()
    {
        Temperature = spec.Rollout.Temperature,
        TopP = spec.Rollout.TopP,
        TopK = spec.Rollout.TopK,
        MaxNewTokens = spec.Rollout.MaxNewTokens,
        StopTokens = [.. stopTokens],
        Seed = StepSamplingSeed(spec.Seed, step),
        FirstSequenceIndex = firstSequenceIndex,
    };

    /// <summary>Seed of step <paramref name="step"/>'s sampling streams.</summary>
    public static ulong StepSamplingSeed(int runSeed, int step) => SeedMix.Derive(runSeed, step, SeedMix.SamplingStream);

    /// <summary>G responses to one prompt, as sequences <paramref name="promptIndex"/>·G … of the step.</summary>
    public static IReadOnlyList<RolloutSequence> Generate(RolloutEngine rollout, int[] promptTokens, int groupSize, int promptIndex,
        SamplingOptions stepSampling) =>
        rollout.Generate(Enumerable.Repeat(promptTokens, groupSize).ToArray(), stepSampling with { FirstSequenceIndex = (long)promptIndex * groupSize });

    /// <summary>
    /// Rewards and group-relative advantages (leave-one-out unless <paramref name="estimator"/> says grpo) of one group. A response cut by max_new_tokens earns 0 (as in evaluation):
    /// its visible "answer" may be a truncated number.
    /// </summary>
    public static GroupRollouts Score(int promptIndex, Problem problem, IReadOnlyList<RolloutSequence> sequences, IRewardFunction reward,
        ITokenizer tokenizer, bool normalizeAdvantageStd, AdvantageEstimator estimator = AdvantageEstimator.Rloo)
    {
        var rewards = new double[sequences.Count];
        for (int i = 0; i < rewards.Length; i++)
            rewards[i] = sequences[i].Finish == FinishReason.Stop ? reward.Reward(problem, tokenizer.Decode(sequences[i].Tokens)) : 0.0;
        return new GroupRollouts(promptIndex, problem, sequences, rewards, Advantages.GroupRelative(rewards, sequences.Count, normalizeAdvantageStd, estimator));
    }
}

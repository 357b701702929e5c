namespace Precision.Orleans.RL.Tasks;

/// <summary>A verifiable reward: 1 for an exactly correct final answer, 0 otherwise.</summary>
public interface IRewardFunction
{
    /// <summary>The reward of <paramref name="response"/> (decoded text, without special tokens) to <paramref name="problem"/>.</summary>
    double Reward(Problem problem, string response);
}

namespace Precision.Orleans.RL.Tasks;

/// <summary>Which reward checks a problem: its task's own reward, or the math verifier for a plain dataset.</summary>
public static class RewardFunctions
{
    /// <summary>The reward of task <paramref name="task"/> when it is a catalog name, else <see cref="MathAnswerVerifier"/>.</summary>
    public static IRewardFunction For(string? task) =>
        task is not null && TaskCatalog.Contains(task) ? TaskCatalog.Get(task).Reward : new MathAnswerVerifier();
}

namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// The reward for real math datasets: 1 iff the response's final answer (<see cref="MathAnswerExtraction"/>)
/// equals the reference after <see cref="MathAnswerNormalizer"/> (exact numbers, else stripped strings).
/// </summary>
public sealed class MathAnswerVerifier : IRewardFunction
{
    public double Reward(Problem problem, string response)
    {
        ArgumentNullException.ThrowIfNull(problem);
        string? answer = MathAnswerExtraction.Extract(response);
        if (answer is null) return 0.0;
        return Equivalent(answer, problem.Answer) ? 1.0 : 0.0;
    }

    public static bool Equivalent(string answer, string reference)
    {
        string a = MathAnswerNormalizer.Normalize(answer), r = MathAnswerNormalizer.Normalize(reference);
        return a.Length > 0 && a == r;
    }
}

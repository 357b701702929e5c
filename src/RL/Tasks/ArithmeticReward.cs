using System.Text.RegularExpressions;

namespace Precision.Orleans.RL.Tasks;

/// <summary>
/// 1 iff the response ends with the fixed final-answer form "answer N" and N equals the reference
/// exactly; a truncated response (no final answer at its end) or a malformed one earns 0.
/// </summary>
public sealed partial class ArithmeticReward : IRewardFunction
{
    public double Reward(Problem problem, string response)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(response);
        string? answer = FinalAnswer(response);
        return answer is not null && answer == problem.Answer ? 1.0 : 0.0;
    }

    /// <summary>The N of a trailing "answer N" (after "; " or at the start), or null when the response does not end so.</summary>
    public static string? FinalAnswer(string response)
    {
        Match m = FinalAnswerPattern().Match(response);
        return m.Success ? m.Groups[1].Value : null;
    }

    // The answer must follow the working's last ';' (or open the response) and close it: "…; answer 5198".
    [GeneratedRegex(@"(?:^|; )answer (-?\d+)$")]
    private static partial Regex FinalAnswerPattern();
}

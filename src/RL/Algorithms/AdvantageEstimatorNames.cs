namespace Precision.Orleans.RL.Algorithms;

/// <summary>The run-spec spellings of <see cref="AdvantageEstimator"/>: <c>rloo</c>, <c>grpo</c>.</summary>
public static class AdvantageEstimatorNames
{
    public static IReadOnlyList<string> Names { get; } = ["rloo", "grpo"];

    public static string Name(this AdvantageEstimator estimator) => estimator switch
    {
        AdvantageEstimator.Rloo => "rloo",
        AdvantageEstimator.Grpo => "grpo",
        _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, null),
    };

    /// <summary>The estimator spelled <paramref name="name"/>, or null when it is not one of <see cref="Names"/>.</summary>
    public static AdvantageEstimator? TryParse(string? name) => name switch
    {
        "rloo" => AdvantageEstimator.Rloo,
        "grpo" => AdvantageEstimator.Grpo,
        _ => null,
    };
}

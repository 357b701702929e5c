namespace Precision.Orleans.RL.Algorithms;

/// <summary>The run-spec spelling of <see cref="LossAggregation"/> (verl's <c>loss_agg_mode</c> values).</summary>
public static class LossAggregationNames
{
    /// <summary>The four names, in the order of <see cref="LossAggregation"/>.</summary>
    public static IReadOnlyList<string> All { get; } =
        ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"];

    public static string Name(LossAggregation aggregation) => aggregation switch
    {
        LossAggregation.TokenMean => "token-mean",
        LossAggregation.SeqMeanTokenSum => "seq-mean-token-sum",
        LossAggregation.SeqMeanTokenMean => "seq-mean-token-mean",
        LossAggregation.SeqMeanTokenSumNorm => "seq-mean-token-sum-norm",
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "not a loss aggregation mode"),
    };

    /// <summary>Parses a name (case-insensitive); an unknown one throws, listing the four names.</summary>
    public static LossAggregation Parse(string name) => TryParse(name, out var aggregation)
        ? aggregation
        : throw new ArgumentException(
            $"unknown loss aggregation '{name}'; expected one of: {string.Join(", ", All)}", nameof(name));

    public static bool TryParse(string? name, out LossAggregation aggregation)
    {
        for (int i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                aggregation = (LossAggregation)i;
                return true;
            }
        }
        aggregation = default;
        return false;
    }
}

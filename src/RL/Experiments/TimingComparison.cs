namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// Wall time per policy iteration of <c>pg-seq-is</c> over <c>grpo-token-tis</c> for runs with the same dtypes
/// and batch shape (prompts, group size, mini-batches, max new tokens): the paper expects about 0.8, since
/// pg-seq-is needs no π_θ' forward pass. Several seeds of one configuration are averaged.
/// </summary>
public sealed record TimingComparison(
    PrecisionPair Precision,
    string Batch,
    IReadOnlyList<string> Numerator,
    IReadOnlyList<string> Denominator,
    double NumeratorSeconds,
    double DenominatorSeconds,
    double NumeratorSecondsPerThousandTokens,
    double DenominatorSecondsPerThousandTokens)
{
    public const string NumeratorAlgorithm = "pg-seq-is";
    public const string DenominatorAlgorithm = "grpo-token-tis";

    public double Ratio => NumeratorSeconds / DenominatorSeconds;

    /// <summary>The same ratio per response token: the policies may write responses of different lengths, which rollout time follows.</summary>
    public double RatioPerToken => NumeratorSecondsPerThousandTokens / DenominatorSecondsPerThousandTokens;

    /// <summary>One comparison per (dtypes, batch shape) where both algorithms have timed iterations.</summary>
    public static IReadOnlyList<TimingComparison> From(IEnumerable<(ExperimentCell Cell, RunStatistics Stats)> runs)
    {
        var timed = runs.Where(r => r.Stats.Iterations > 0 && r.Stats.MeanIterationSeconds > 0).ToList();
        return timed
            .GroupBy(r => (r.Cell.Precision, Batch: BatchKey(r.Cell)))
            .Select(g =>
            {
                var num = g.Where(r => r.Cell.Algorithm == NumeratorAlgorithm).ToList();
                var den = g.Where(r => r.Cell.Algorithm == DenominatorAlgorithm).ToList();
                return num.Count == 0 || den.Count == 0
                    ? null
                    : new TimingComparison(g.Key.Precision, g.Key.Batch,
                        num.Select(r => r.Cell.Name).ToList(), den.Select(r => r.Cell.Name).ToList(),
                        num.Average(r => r.Stats.MeanIterationSeconds), den.Average(r => r.Stats.MeanIterationSeconds),
                        num.Average(r => r.Stats.SecondsPerThousandTokens), den.Average(r => r.Stats.SecondsPerThousandTokens));
            })
            .OfType<TimingComparison>()
            .ToList();
    }

    private static string BatchKey(ExperimentCell cell)
    {
        var b = cell.Spec.Batch;
        return $"{b.Prompts}×{b.GroupSize}, {b.MiniBatches} mini-batches, ≤{cell.Spec.Rollout.MaxNewTokens} tokens";
    }
}

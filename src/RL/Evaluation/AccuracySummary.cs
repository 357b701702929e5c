namespace Precision.Orleans.RL.Evaluation;

/// <summary>Aggregates of per-problem accuracies: avg@k, pass@k, per-difficulty means and a histogram.</summary>
public static class AccuracySummary
{
    /// <summary>avg@k: the mean over problems of the fraction of the k samples that were correct.</summary>
    public static double AverageAtK(IReadOnlyCollection<ProblemAccuracy> results) =>
        results.Count == 0 ? 0 : results.Average(r => r.Accuracy);

    /// <summary>pass@k: the fraction of problems with at least one correct sample among the k.</summary>
    public static double PassAtK(IReadOnlyCollection<ProblemAccuracy> results) =>
        results.Count == 0 ? 0 : results.Count(r => r.Correct > 0) / (double)results.Count;

    /// <summary>Mean accuracy per difficulty, ordered by difficulty: (difficulty, problems, mean accuracy).</summary>
    public static IReadOnlyList<(int Difficulty, int Problems, double Accuracy)> ByDifficulty(IEnumerable<ProblemAccuracy> results) =>
        [.. results.GroupBy(r => r.Problem.Difficulty).OrderBy(g => g.Key).Select(g => (g.Key, g.Count(), g.Average(r => r.Accuracy)))];

    /// <summary>
    /// Problem counts per accuracy bin: bin i holds accuracies in [i/bins, (i+1)/bins), the last bin also 1.0.
    /// </summary>
    public static int[] Histogram(IEnumerable<ProblemAccuracy> results, int bins = 10)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "histogram: bins must be >= 1");
        var counts = new int[bins];
        foreach (ProblemAccuracy r in results) counts[Math.Min(bins - 1, (int)(r.Accuracy * bins))]++;
        return counts;
    }

    /// <summary>The problems whose accuracy lies in [min, max] (both inclusive): the perfectible set.</summary>
    public static IReadOnlyList<ProblemAccuracy> WithinBounds(IEnumerable<ProblemAccuracy> results, double min, double max)
    {
        ValidateBounds(min, max);
        return [.. results.Where(r => r.Accuracy >= min && r.Accuracy <= max)];
    }

    public static void ValidateBounds(double min, double max)
    {
        if (!(min >= 0 && min <= 1)) throw new ArgumentException($"accuracy bounds: --min must be in [0, 1], got {min}");
        if (!(max >= 0 && max <= 1)) throw new ArgumentException($"accuracy bounds: --max must be in [0, 1], got {max}");
        if (min > max) throw new ArgumentException($"accuracy bounds: --min ({min}) must be <= --max ({max})");
    }
}

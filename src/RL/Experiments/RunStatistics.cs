using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Experiments;

/// <summary>
/// The figures the report gives for one run, all computed from its metrics rows (paper Figure 5's columns,
/// the timing split, and whether the run collapsed).
/// </summary>
public sealed record RunStatistics
{
    /// <summary>The paper's target accuracy on the perfectible set.</summary>
    public const double Target = 0.95;

    /// <summary>A run collapsed when its smoothed accuracy fell this far below its smoothed peak (20 points).</summary>
    public const double CollapseDrop = 0.20;

    /// <summary>Iterations of the trailing mean used for the collapse test, so one unlucky batch does not count as a collapse.</summary>
    public const int CollapseWindow = 3;

    public int Iterations { get; init; }
    public double BestAccuracy { get; init; }
    public int BestStep { get; init; }
    public double FinalAccuracy { get; init; }
    public int? FirstStepAtTarget { get; init; }
    public double MeanK3 { get; init; }
    public double MeanMaxAbsProbDiff { get; init; }
    public double MeanAbsSeqLogRatio { get; init; }
    public long SkippedSteps { get; init; }
    public double MeanIterationSeconds { get; init; }
    public double MeanRolloutSeconds { get; init; }
    public double MeanOldLogProbSeconds { get; init; }
    public double MeanTrainSeconds { get; init; }
    public double MeanSyncSeconds { get; init; }

    /// <summary>Response tokens per iteration over the same iterations as the timing means.</summary>
    public double MeanResponseTokens { get; init; }

    /// <summary>Wall seconds per 1000 response tokens: the time per iteration with the runs' different response lengths factored out.</summary>
    public double SecondsPerThousandTokens => MeanResponseTokens > 0 ? MeanIterationSeconds / MeanResponseTokens * 1000 : double.NaN;

    /// <summary>Peak of the trailing <see cref="CollapseWindow"/>-iteration mean accuracy.</summary>
    public double SmoothedPeakAccuracy { get; init; }

    /// <summary>Largest fall of the smoothed accuracy below its earlier peak (0 if it never fell).</summary>
    public double LargestDropAfterPeak { get; init; }

    public bool Collapsed => LargestDropAfterPeak > CollapseDrop;

    public static RunStatistics From(IReadOnlyList<IterationMetrics> rows)
    {
        if (rows.Count == 0) return new RunStatistics();
        var best = rows.MaxBy(r => r.Accuracy)!;
        // The first iteration pays the JIT warm-up; leave it out of the timing means when there are others.
        var timed = rows.Count >= 3 ? rows.Skip(1).ToList() : rows;
        var (peak, drop) = PeakAndDrop(rows.Select(r => r.Accuracy).ToArray());
        return new RunStatistics
        {
            Iterations = rows[^1].Step,
            BestAccuracy = best.Accuracy,
            BestStep = best.Step,
            FinalAccuracy = rows[^1].Accuracy,
            FirstStepAtTarget = rows.FirstOrDefault(r => r.Accuracy >= Target)?.Step,
            MeanK3 = FiniteMean(rows.Select(r => r.K3)),
            MeanMaxAbsProbDiff = FiniteMean(rows.Select(r => r.MaxAbsProbDiff)),
            MeanAbsSeqLogRatio = FiniteMean(rows.Select(r => r.MeanAbsSeqLogRatio)),
            SkippedSteps = Math.Max(rows[^1].SkippedStepsTotal, rows.Sum(r => (long)r.SkippedSteps)),
            MeanIterationSeconds = timed.Average(r => r.IterationSeconds),
            MeanRolloutSeconds = timed.Average(r => r.RolloutSeconds),
            MeanOldLogProbSeconds = timed.Average(r => r.OldLogProbSeconds),
            MeanTrainSeconds = timed.Average(r => r.TrainSeconds),
            MeanSyncSeconds = timed.Average(r => r.SyncSeconds),
            MeanResponseTokens = timed.Average(r => (double)r.ResponseTokens),
            SmoothedPeakAccuracy = peak,
            LargestDropAfterPeak = drop,
        };
    }

    /// <summary>Trailing-mean peak, and the largest later fall below the running peak.</summary>
    internal static (double Peak, double Drop) PeakAndDrop(double[] accuracy)
    {
        double peak = double.NegativeInfinity, drop = 0, sum = 0;
        for (int i = 0; i < accuracy.Length; i++)
        {
            sum += accuracy[i];
            if (i >= CollapseWindow) sum -= accuracy[i - CollapseWindow];
            double mean = sum / Math.Min(i + 1, CollapseWindow);
            peak = Math.Max(peak, mean);
            drop = Math.Max(drop, peak - mean);
        }
        return (peak, drop);
    }

    /// <summary>Mean of the finite values (a NaN metric of one iteration must not blank the whole column); NaN if none.</summary>
    private static double FiniteMean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values)
            if (double.IsFinite(v)) { sum += v; n++; }
        return n == 0 ? double.NaN : sum / n;
    }
}

using System.Text.Json;
using Precision.Orleans.Abstractions;
using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Client.Experiments;

/// <summary>The machine-readable <c>experiment.json</c>: per run its state and statistics, and the timing ratios. Unmeasured values are null.</summary>
internal sealed record ExperimentJson(string Grid, IReadOnlyList<ExperimentJson.Run> Runs, IReadOnlyList<ExperimentJson.Timing> TimingRatios)
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public sealed record Run(
        string Name, string Algorithm, string Train, string Rollout, int Seed, string State, int Iterations, int PlannedIterations,
        double? BestAccuracy, int? BestStep, double? FinalAccuracy, int? FirstStepAtOrAbove95, double? MeanK3, double? MeanMaxAbsProbDiff,
        double? MeanAbsSeqLogRatio, long SkippedSteps, double? MeanIterationSeconds, double? MeanRolloutSeconds, double? MeanOldLogProbSeconds,
        double? MeanTrainSeconds, double? MeanSyncSeconds, double? SecondsPerThousandTokens, double? SmoothedPeakAccuracy, double? LargestDropAfterPeak, bool Collapsed,
        string? Error, IReadOnlyList<string> MetricsProblems, string? Variant = null, int? LoraRank = null, long? TrainableParameters = null,
        long? OptimizerStateBytes = null, long? FullFineTuningOptimizerStateBytes = null);

    public sealed record Timing(string Precision, string Batch, IReadOnlyList<string> PgSeqIsRuns, IReadOnlyList<string> GrpoTokenTisRuns,
        double PgSeqIsSeconds, double GrpoTokenTisSeconds, double Ratio, double? RatioPerToken);

    public static ExperimentJson From(string grid, IReadOnlyList<ReportedRun> runs, IReadOnlyList<TimingComparison> timing) => new(
        grid,
        runs.Select(r =>
        {
            var s = r.Stats;
            bool any = s.Iterations > 0;
            var f = OptimizerFootprint.Read(r.Assessment.Directory);
            return new Run(r.Name, r.Cell.Algorithm, r.Cell.Precision.Train.Name(), r.Cell.Precision.Rollout.Name(),
                r.Cell.Spec.Seed, r.StateText, s.Iterations, r.PlannedIterations,
                N(any, s.BestAccuracy), any ? s.BestStep : null, N(any, s.FinalAccuracy), s.FirstStepAtTarget, N(any, s.MeanK3), N(any, s.MeanMaxAbsProbDiff),
                N(any, s.MeanAbsSeqLogRatio), s.SkippedSteps, N(any, s.MeanIterationSeconds), N(any, s.MeanRolloutSeconds), N(any, s.MeanOldLogProbSeconds),
                N(any, s.MeanTrainSeconds), N(any, s.MeanSyncSeconds), N(any, s.SecondsPerThousandTokens), N(any, s.SmoothedPeakAccuracy), N(any, s.LargestDropAfterPeak), s.Collapsed,
                r.Error, r.Assessment.Metrics.Problems, r.Cell.Variant, f?.LoraRank, f?.TrainableParameters, f?.OptimizerStateBytes, f?.FullOptimizerStateBytes);
        }).ToList(),
        timing.Select(t => new Timing(t.Precision.ToString(), t.Batch, t.Numerator, t.Denominator, t.NumeratorSeconds, t.DenominatorSeconds, t.Ratio, N(true, t.RatioPerToken))).ToList());

    private static double? N(bool measured, double v) => measured && double.IsFinite(v) ? v : null;
}

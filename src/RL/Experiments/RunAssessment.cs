using Precision.Orleans.RL.Spec;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.RL.Experiments;

/// <summary>What a run directory holds for a cell: its metrics and whether the run is finished, unfinished or not started.</summary>
public sealed record RunAssessment(ExperimentCell Cell, string Directory, RunState State, MetricsReadResult Metrics)
{
    public int CompletedIterations => Metrics.Rows.Count == 0 ? 0 : Metrics.Rows[^1].Step;

    public static RunAssessment Of(ExperimentCell cell, string runDirectory)
    {
        var metrics = MetricsFile.Read(Path.Combine(runDirectory, MetricsFile.FileName));
        return new RunAssessment(cell, runDirectory, StateOf(cell.Spec.Schedule, metrics.Rows), metrics);
    }

    /// <summary>Finished when the last step reached the spec's iterations, or (with a stop accuracy) some iteration reached it.</summary>
    public static RunState StateOf(ScheduleSpec schedule, IReadOnlyList<IterationMetrics> rows)
    {
        if (rows.Count == 0) return RunState.NotStarted;
        if (rows[^1].Step >= schedule.Iterations) return RunState.Finished;
        if (schedule.StopAtAccuracy > 0 && rows.Any(r => r.Accuracy >= schedule.StopAtAccuracy)) return RunState.Finished;
        return RunState.Unfinished;
    }
}

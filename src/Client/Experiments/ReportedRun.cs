using Precision.Orleans.RL.Experiments;

namespace Precision.Orleans.Client.Experiments;

/// <summary>One grid cell as the report sees it: its directory's metrics, statistics, colour and (if it threw) its error.</summary>
internal sealed record ReportedRun(RunAssessment Assessment, RunStatistics Stats, string Color, string? Error)
{
    public ExperimentCell Cell => Assessment.Cell;
    public string Name => Cell.Name;
    public int PlannedIterations => Cell.Spec.Schedule.Iterations;

    /// <summary>Reads every cell's run directory; colours follow grid order so a run has the same colour in every chart.</summary>
    public static IReadOnlyList<ReportedRun> Load(IReadOnlyList<RunAssessment> runs) =>
        runs.Select((r, i) => new ReportedRun(r, RunStatistics.From(r.Metrics.Rows), Reporting.Palette.At(i), ReadError(r.Directory))).ToList();

    private static string? ReadError(string directory)
    {
        string path = Path.Combine(directory, ExperimentRunner.ErrorFileName);
        if (!File.Exists(path)) return null;
        string first = File.ReadLines(path).FirstOrDefault() ?? "";
        return first.Length > 300 ? first[..300] + "…" : first;
    }

    /// <summary>"finished", "unfinished (12/100)", "not run", "failed".</summary>
    public string StateText => Error is not null && Assessment.State != RunState.Finished
        ? $"failed ({Assessment.CompletedIterations}/{PlannedIterations})"
        : Assessment.State switch
        {
            RunState.Finished => "finished",
            RunState.Unfinished => $"unfinished ({Assessment.CompletedIterations}/{PlannedIterations})",
            _ => "not run",
        };
}

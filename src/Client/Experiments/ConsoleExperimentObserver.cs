using System.Globalization;
using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Training;
using Spectre.Console;

namespace Precision.Orleans.Client.Experiments;

/// <summary>A Spectre.Console progress bar per run (its iterations), with the latest accuracy and mismatch in its description.</summary>
internal sealed class ConsoleExperimentObserver(ProgressContext context) : IExperimentObserver
{
    private readonly Dictionary<string, ProgressTask> _bars = [];

    public void Planned(IReadOnlyList<RunAssessment> runs)
    {
        foreach (var r in runs)
        {
            var bar = context.AddTask(Describe(r.Cell.Name, r.State == RunState.Finished ? "finished" : r.State == RunState.Unfinished ? "to resume" : "waiting"),
                maxValue: r.Cell.Spec.Schedule.Iterations);
            bar.Value = Math.Min(r.CompletedIterations, r.Cell.Spec.Schedule.Iterations);
            _bars[r.Cell.Name] = bar;
        }
    }

    public void Skipped(RunAssessment run)
    {
        var bar = _bars[run.Cell.Name];
        bar.Description = Describe(run.Cell.Name, $"finished earlier ({run.CompletedIterations} it.), skipped");
        bar.Value = bar.MaxValue;
        bar.StopTask();
    }

    public void Starting(RunAssessment run) =>
        _bars[run.Cell.Name].Description = Describe(run.Cell.Name, run.State == RunState.Unfinished ? $"resuming after step {run.CompletedIterations}" : "starting");

    public void Iteration(ExperimentCell cell, IterationMetrics m)
    {
        var bar = _bars[cell.Name];
        bar.Value = Math.Min(m.Step, bar.MaxValue);
        bar.Description = Describe(cell.Name, string.Create(CultureInfo.InvariantCulture,
            $"step {m.Step} acc {m.Accuracy * 100:0.0}% max|π−μ| {Commands.ConsoleNumbers.Format(m.MaxAbsProbDiff)} {m.IterationSeconds:0.0}s/it"));
    }

    public void Completed(ExperimentCell cell, RunSummary summary)
    {
        var bar = _bars[cell.Name];
        string target = summary.FirstStepAtTarget is { } t ? $", ≥95% at step {t}" : "";
        bar.Description = Describe(cell.Name, string.Create(CultureInfo.InvariantCulture, $"done: {summary.Iterations} it., best {summary.BestAccuracy * 100:0.0}%{target}"));
        bar.Value = bar.MaxValue;
        bar.StopTask();
    }

    public void Failed(ExperimentCell cell, Exception error)
    {
        var bar = _bars[cell.Name];
        bar.Description = Describe(cell.Name, "[red]failed[/]: " + Markup.Escape(error.Message.Split('\n')[0]));
        bar.StopTask();
    }

    private static string Describe(string name, string status) => $"[bold]{Markup.Escape(name)}[/] {status}";
}

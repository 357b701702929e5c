using System.Globalization;
using Precision.Orleans.Abstractions.Grains.Rl;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Precision.Orleans.Client.Cluster;

/// <summary>How runs and their steps look in the console (list, status, watch).</summary>
public static class RunTables
{
    public static Table Runs(IReadOnlyList<RunStatus> runs)
    {
        var table = new Table().AddColumns("run", "name", "state", "step", "accuracy", "algorithm", "train/rollout", "weights");
        foreach (var r in runs)
        {
            table.AddRow(Esc(r.RunId), Esc(r.Name), State(r), $"{r.Step}/{r.Iterations}", F(r.LastAccuracy, "0.000"), Esc(r.Algorithm),
                $"{r.TrainDType}/{r.RolloutDType}", $"v{r.WeightVersion}");
        }
        return table;
    }

    public static IRenderable Status(RunStatus r) => new Rows(
        new Markup($"[bold]{Esc(r.RunId)}[/] ({Esc(r.Name)}): {State(r)}, step {r.Step}/{r.Iterations}, accuracy {F(r.LastAccuracy, "0.000")}"),
        new Markup(Esc($"{r.Algorithm}, train {r.TrainDType} / rollout {r.RolloutDType}, weight version {r.WeightVersion}"
            + (r.WeightHash.Length > 0 ? $" sha256 {r.WeightHash[..Math.Min(16, r.WeightHash.Length)]}…" : "")
            + $", submitted {r.SubmittedAt:u}, updated {r.UpdatedAt:u}")),
        r.Error is { } error ? new Markup($"[red]error:[/] {Esc(error)}") : Text.Empty);

    /// <summary>The columns of <c>watch</c>: what tells whether a run is healthy (accuracy, mismatch, loss scale, speed).</summary>
    public static readonly string[] StepColumns = ["step", "accuracy", "k3", "|log π/μ|", "loss scale", "skipped", "tokens/s", "weights", "workers"];

    public static string[] StepCells(IterationRecord r) =>
    [
        r.Step.ToString(CultureInfo.InvariantCulture),
        F(r.Accuracy, "0.000"),
        F(r.K3, "0.00e+0"),
        F(r.MeanAbsSeqLogRatio, "0.0000"),
        F(r.LossScale, "0"),
        r.SkippedSteps.ToString(CultureInfo.InvariantCulture),
        F(r.TokensPerSecond, "0"),
        "v" + r.WeightVersion.ToString(CultureInfo.InvariantCulture),
        r.Workers.ToString(CultureInfo.InvariantCulture),
    ];

    public static Table Steps(IEnumerable<IterationRecord> rows)
    {
        var table = new Table().AddColumns(StepColumns);
        foreach (var r in rows)
        {
            table.AddRow(StepCells(r));
        }
        return table;
    }

    public static bool IsFinished(RunState state) => state is RunState.Completed or RunState.Cancelled or RunState.Failed;

    private static string State(RunStatus r) => r.State switch
    {
        RunState.Completed => "[green]Completed[/]",
        RunState.Failed => "[red]Failed[/]",
        RunState.Cancelled => "[yellow]Cancelled[/]",
        var s => s.ToString(),
    };

    private static string F(double v, string format) =>
        double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Esc(string text) => Markup.Escape(text);
}

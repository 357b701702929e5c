using System.Globalization;
using Precision.Orleans.Abstractions.Grains.Rl;
using Precision.Orleans.Reporting;

namespace Precision.Orleans.Grains.Reports;

/// <summary>
/// The HTML report of one run (<c>GET /api/runs/{id}/report</c>, <c>precision report ID --out run.html</c>): the status,
/// the curves people watch as self-contained SVG (the experiment report's style: accuracy, mismatch k3 and
/// |log π/μ|, mean |π−μ|, loss scale, rollout tokens/s) and the table of every trained step.
/// </summary>
public static class RunReportPage
{
    /// <summary>One curve: title, y label, value, and whether a log axis suits it when its range is wide.</summary>
    private sealed record Panel(string Title, string YLabel, Func<IterationRecord, double> Value, bool LogWhenWide, double? YMin = null, double? YMax = null);

    private static readonly Panel[] Panels =
    [
        new("Training accuracy", "accuracy (mean reward)", r => r.Accuracy, false, 0, 1),
        new("Mismatch: k3 estimate of KL(μ ‖ π)", "k3 per token", r => r.K3, true),
        new("Mean |log π(y) / μ(y)| per response", "|sequence log-ratio|", r => r.MeanAbsSeqLogRatio, true),
        new("Mean |π − μ| per token", "mean |π(y_t) − μ(y_t)|", r => r.MeanAbsProbDiff, true),
        new("Loss scale", "loss scale", r => r.LossScale, true),
        new("Rollout throughput", "response tokens / s", r => r.TokensPerSecond, false),
    ];

    public static string Render(RunStatus status, IReadOnlyList<IterationRecord> rows)
    {
        var report = new HtmlReport($"Run {status.RunId}");
        report.Paragraph($"{status.Name}: {status.Algorithm}, train {status.TrainDType} / rollout {status.RolloutDType}; "
            + $"state {status.State}, step {status.Step} of {status.Iterations}, weight version {status.WeightVersion}"
            + (status.WeightHash.Length > 0 ? $" (sha256 {status.WeightHash[..Math.Min(16, status.WeightHash.Length)]}…)" : "")
            + $"; submitted {status.SubmittedAt:u}, updated {status.UpdatedAt:u}.");
        if (status.Error is { } error)
        {
            report.Heading("Error").Preformatted(error);
        }
        if (rows.Count == 0)
        {
            report.Paragraph("No step has been trained yet.");
            return report.Build();
        }

        report.Heading("Curves").Figures([.. Panels.Select(p => Chart(p, rows))]);
        report.Heading("Steps").Table(
            ["step", "accuracy", "k3", "|log π/μ|", "mean |π−μ|", "loss scale", "skipped", "tokens/s", "weight version", "workers", "re-dispatches", "seconds"],
            rows.Select(r => (IReadOnlyList<string>)
            [
                r.Step.ToString(CultureInfo.InvariantCulture),
                F(r.Accuracy, "0.000"),
                F(r.K3, "0.00e+0"),
                F(r.MeanAbsSeqLogRatio, "0.00e+0"),
                F(r.MeanAbsProbDiff, "0.00e+0"),
                F(r.LossScale, "0"),
                r.SkippedSteps.ToString(CultureInfo.InvariantCulture),
                F(r.TokensPerSecond, "0"),
                r.WeightVersion.ToString(CultureInfo.InvariantCulture),
                r.Workers.ToString(CultureInfo.InvariantCulture),
                r.Redispatches.ToString(CultureInfo.InvariantCulture),
                F(r.IterationSeconds, "0.00"),
            ]));
        return report.Build();
    }

    private static string Chart(Panel panel, IReadOnlyList<IterationRecord> rows)
    {
        var points = rows.Select(r => (X: (double)r.Step, Y: panel.Value(r))).Where(p => double.IsFinite(p.Y)).ToList();
        var positive = points.Count > 0 && points.All(p => p.Y > 0);
        var log = panel.LogWhenWide && positive && points.Max(p => p.Y) / points.Min(p => p.Y) > 20;
        return SvgChart.Line(new ChartSpec
        {
            Title = panel.Title,
            XAxis = new AxisOptions("policy iteration"),
            YAxis = new AxisOptions(panel.YLabel, log, log ? null : panel.YMin, log ? null : panel.YMax),
            Series = [new ChartSeries("", [.. points.Select(p => p.X)], [.. points.Select(p => p.Y)])],
            Width = 420,
            Height = 300,
        });
    }

    private static string F(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Net;
using Precision.Orleans.Reporting;
using Precision.Orleans.RL.Training;

namespace Precision.Orleans.Client.Experiments;

/// <summary>
/// The paper's Figure 3 panels, one chart per metric against the policy iteration, one line per run:
/// training accuracy, the mismatch (max |π−μ| and k3 of KL(μ‖π)), mean |log π(y)/μ(y)|, response length and gradient norm.
/// </summary>
internal static class ExperimentCharts
{
    /// <summary>One panel: a file-name id, its title and y label, how to read the value, and whether a log axis suits it.</summary>
    public sealed record Panel(string Id, string Title, string YLabel, Func<IterationMetrics, double> Value, bool LogWhenPositive, double? YMin = null, double? YMax = null);

    public static readonly IReadOnlyList<Panel> Panels =
    [
        new("accuracy", "Training accuracy", "accuracy (mean reward)", m => m.Accuracy, false, 0, 1),
        new("max_abs_prob_diff", "Mismatch: max |π − μ| per iteration", "max |π(y_t) − μ(y_t)|", m => m.MaxAbsProbDiff, true),
        new("k3", "Mismatch: k3 estimate of KL(μ ‖ π)", "k3 per token", m => m.K3, true),
        new("mean_abs_seq_log_ratio", "Mean |log π(y) / μ(y)| per response", "|sequence log-ratio|", m => m.MeanAbsSeqLogRatio, true),
        new("response_length", "Response length", "mean tokens per response", m => m.ResponseLengthMean, false),
        new("grad_norm", "Gradient norm", "mean gradient norm (pre-clip)", m => m.GradNormMean, true),
    ];

    /// <summary>The SVG of <paramref name="panel"/>; runs without rows draw nothing (they are listed in the tables).</summary>
    public static string Render(Panel panel, IReadOnlyList<ReportedRun> runs)
    {
        var series = runs
            .Where(r => r.Assessment.Metrics.Rows.Count > 0)
            .Select(r => new ChartSeries(
                "",
                r.Assessment.Metrics.Rows.Select(m => (double)m.Step).ToList(),
                r.Assessment.Metrics.Rows.Select(panel.Value).ToList(),
                r.Color))
            .ToList();
        var values = series.SelectMany(s => s.Y).Where(double.IsFinite).ToList();
        bool log = panel.LogWhenPositive && values.Count > 0 && values.All(v => v > 0) && values.Max() / values.Min() > 20;
        string chart = SvgChart.Line(new ChartSpec
        {
            Title = panel.Title,
            XAxis = new AxisOptions("policy iteration (step)"),
            YAxis = new AxisOptions(panel.YLabel + (log ? " (log)" : ""), log, panel.YMin, panel.YMax),
            Series = series,
            Width = ChartWidth,
            Height = ChartHeight,
        });
        return WithLegend(chart, runs.Where(r => r.Assessment.Metrics.Rows.Count > 0).ToList());
    }

    private const int ChartWidth = 600, ChartHeight = 400, LegendWidth = 230;

    /// <summary>
    /// The chart with a legend column beside it: run names are long ("grpo-token-tis-bf16-bf16"), wider than the
    /// chart's own in-plot legend box, so the series are drawn unnamed and named here, in the same colours.
    /// </summary>
    private static string WithLegend(string chart, IReadOnlyList<ReportedRun> runs)
    {
        var sb = new System.Text.StringBuilder();
        int width = ChartWidth + LegendWidth;
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{ChartHeight}\" viewBox=\"0 0 {width} {ChartHeight}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append(chart);
        sb.Append(CultureInfo.InvariantCulture, $"<g class=\"legend\"><rect x=\"{ChartWidth}\" y=\"0\" width=\"{LegendWidth}\" height=\"{ChartHeight}\" fill=\"white\"/>");
        double y = 44;
        foreach (var r in runs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{ChartWidth + 4}\" y=\"{y - 9:0.#}\" width=\"18\" height=\"3\" fill=\"{r.Color}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{ChartWidth + 26}\" y=\"{y - 5:0.#}\">{WebUtility.HtmlEncode(r.Name)}</text>");
            y += 16;
        }
        sb.Append("</g></svg>");
        return sb.ToString();
    }
}

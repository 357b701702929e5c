using Precision.Orleans.Engine.Checkpoints;
using System.Globalization;
using System.Text.Json;
using Precision.Orleans.Reporting;
using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Training;
using static Precision.Orleans.Client.Experiments.ReportFormat;

namespace Precision.Orleans.Client.Experiments;

/// <summary>
/// The experiment report, rebuilt from the run directories alone: <c>experiment.html</c> (self-contained, inline SVG),
/// <c>experiment.json</c> (the same figures for tools) and <c>figures/&lt;panel&gt;.svg</c>. Missing, unfinished and
/// failed runs are reported as such, never a reason to fail.
/// </summary>
internal static class ExperimentReport
{
    public const string HtmlFileName = "experiment.html";
    public const string JsonFileName = "experiment.json";
    public const string FiguresDirectory = "figures";

    public static ExperimentReportFiles Write(string outputDirectory, IReadOnlyList<RunAssessment> assessments, string gridSource)
    {
        var runs = ReportedRun.Load(assessments);
        var timing = TimingComparison.From(runs.Select(r => (r.Cell, r.Stats)));
        var svgs = new List<string>();
        var html = new HtmlReport("Precision experiment: RL sanity test across algorithms and train/rollout precisions");
        html.Paragraph($"Grid: {gridSource}; {runs.Count} runs; {runs.Count(r => r.Assessment.State == RunState.Finished)} finished. " +
                       "Curves are per policy iteration (paper Figure 3); the table follows Figure 5.");
        MismatchLead.Write(html, runs);

        html.Heading("Training dynamics (Figure 3 style)");
        var panels = ExperimentCharts.Panels.Select(p => (p, svg: ExperimentCharts.Render(p, runs))).ToList();
        html.Figures(panels.Select(p => p.svg).ToArray());
        foreach (var (panel, svg) in panels)
        {
            string path = Path.Combine(outputDirectory, FiguresDirectory, panel.Id + ".svg");
            AtomicFile.WriteAllText(path, svg);
            svgs.Add(path);
        }

        html.Heading("Precision ablation (Figure 5 style)");
        html.Table(PrecisionTableHeaders, PrecisionTableRows(runs));

        var footprints = runs.Select(r => (Run: r, Footprint: OptimizerFootprint.Read(r.Assessment.Directory))).Where(x => x.Footprint is not null).ToList();
        if (footprints.Any(x => x.Footprint!.LoraRank is not null))
        {
            html.Heading("Optimizer state: LoRA against full fine-tuning");
            html.Table(OptimizerTableHeaders, footprints.Select(x => OptimizerRow(x.Run, x.Footprint!)));
            html.Paragraph("AdamW holds two FP32 moments per trained parameter; a LoRA run trains only its adapters (the base is frozen in the compute dtype). " +
                           "Figures are the training engine's own (footprint.json of each run).");
        }

        html.Heading("Time per policy iteration");
        var load = LoadAverageRecord.Read(outputDirectory);
        if (load is { Shared: true }) html.Warning(load.Warning);
        else if (load is not null)
            html.Paragraph(string.Create(CultureInfo.InvariantCulture,
                $"1-minute load average while the runs ran: {load.Mean:0.0} on average (at most {load.Max:0.0}) on {load.Cores} cores."));
        html.Table(["run", "iterations timed", "mean s / iteration", "rollout s", "old-log-prob s", "train s", "sync s", "s / 1000 response tokens"],
            runs.Where(r => r.Stats.Iterations > 0).Select(r => (IReadOnlyList<string>)
            [
                r.Name, (r.Stats.Iterations >= 3 ? r.Assessment.Metrics.Rows.Count - 1 : r.Assessment.Metrics.Rows.Count).ToString(CultureInfo.InvariantCulture),
                Seconds(r.Stats.MeanIterationSeconds), Seconds(r.Stats.MeanRolloutSeconds), Seconds(r.Stats.MeanOldLogProbSeconds),
                Seconds(r.Stats.MeanTrainSeconds), Seconds(r.Stats.MeanSyncSeconds), Seconds(r.Stats.SecondsPerThousandTokens),
            ]));
        html.Paragraph("The first iteration of a run (JIT warm-up) is left out of the means when the run has three or more.");
        if (timing.Count == 0)
            html.Paragraph($"No {TimingComparison.NumeratorAlgorithm} ÷ {TimingComparison.DenominatorAlgorithm} ratio: the two did not both run with the same dtypes and batch.");
        else
            html.Table(["train/rollout", "batch", $"{TimingComparison.NumeratorAlgorithm} s", $"{TimingComparison.DenominatorAlgorithm} s", "ratio (paper: ≈ 0.8)", "ratio per response token"],
                timing.Select(t => (IReadOnlyList<string>)
                    [t.Precision.ToString(), t.Batch, Seconds(t.NumeratorSeconds), Seconds(t.DenominatorSeconds), t.Ratio.ToString("0.000", CultureInfo.InvariantCulture), Number(t.RatioPerToken)]));

        html.Heading("Runs");
        foreach (var r in runs) html.Paragraph(Narrative(r));
        foreach (var r in runs.Where(r => r.Assessment.Metrics.Problems.Count > 0))
            html.Preformatted(string.Join("\n", r.Assessment.Metrics.Problems));

        string htmlPath = Path.Combine(outputDirectory, HtmlFileName);
        string jsonPath = Path.Combine(outputDirectory, JsonFileName);
        AtomicFile.WriteAllText(htmlPath, html.Build());
        AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(ExperimentJson.From(gridSource, runs, timing), ExperimentJson.Options));
        return new ExperimentReportFiles(htmlPath, jsonPath, svgs, runs.Count, timing, load);
    }

    public static readonly IReadOnlyList<string> OptimizerTableHeaders =
        ["run", "fine-tuning", "trainable parameters", "optimizer state", "full fine-tuning parameters", "full fine-tuning optimizer state", "ratio"];

    private static IReadOnlyList<string> OptimizerRow(ReportedRun r, OptimizerFootprint f) =>
    [
        r.Name, f.LoraRank is { } rank ? $"LoRA r={rank} alpha={r.Cell.Spec.Lora?.Alpha.ToString(CultureInfo.InvariantCulture) ?? "?"}" : "full",
        f.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture), OptimizerFootprint.Bytes(f.OptimizerStateBytes),
        f.FullParameters.ToString("N0", CultureInfo.InvariantCulture), OptimizerFootprint.Bytes(f.FullOptimizerStateBytes),
        (100.0 * f.OptimizerStateBytes / f.FullOptimizerStateBytes).ToString("0.00", CultureInfo.InvariantCulture) + "%",
    ];

    public static readonly IReadOnlyList<string> PrecisionTableHeaders =
    [
        "train/rollout", "run", "state", "best accuracy", "final accuracy", "first step ≥ 95%",
        "mean k3", "mean max|π−μ|", "mean |seq log-ratio|", "skipped steps", "mean s / iteration",
    ];

    /// <summary>Rows grouped by dtype pair in grid order, then by run.</summary>
    private static IEnumerable<IReadOnlyList<string>> PrecisionTableRows(IReadOnlyList<ReportedRun> runs) =>
        runs.GroupBy(r => r.Cell.Precision).SelectMany(g => g).Select(r =>
        {
            bool any = r.Stats.Iterations > 0;
            return (IReadOnlyList<string>)
            [
                r.Cell.Precision.ToString(), r.Name, r.StateText,
                any ? Percent(r.Stats.BestAccuracy) : None, any ? Percent(r.Stats.FinalAccuracy) : None, Step(r.Stats.FirstStepAtTarget),
                any ? Number(r.Stats.MeanK3) : None, any ? Number(r.Stats.MeanMaxAbsProbDiff) : None, any ? Number(r.Stats.MeanAbsSeqLogRatio) : None,
                any ? r.Stats.SkippedSteps.ToString(CultureInfo.InvariantCulture) : None, any ? Seconds(r.Stats.MeanIterationSeconds) : None,
            ];
        });

    /// <summary>Peak accuracy and whether the run collapsed, as measured.</summary>
    internal static string Narrative(ReportedRun r)
    {
        var s = r.Stats;
        string head = $"{r.Name} ({r.StateText}): ";
        if (s.Iterations == 0) return head + (r.Error is null ? "no iterations recorded." : $"no iterations recorded; error: {r.Error}");
        string target = s.FirstStepAtTarget is { } t ? $"reached 95% at step {t}" : "never reached 95%";
        string collapse = s.Collapsed
            ? $"collapsed: its {RunStatistics.CollapseWindow}-iteration mean accuracy fell {s.LargestDropAfterPeak * 100:0.0} points below its peak of {Percent(s.SmoothedPeakAccuracy)}"
            : $"no collapse: its {RunStatistics.CollapseWindow}-iteration mean accuracy fell at most {s.LargestDropAfterPeak * 100:0.0} points below its peak of {Percent(s.SmoothedPeakAccuracy)}";
        string error = r.Error is null ? "" : $" Error: {r.Error}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{head}peak accuracy {Percent(s.BestAccuracy)} at step {s.BestStep}, final {Percent(s.FinalAccuracy)} at step {s.Iterations}; {target}; {collapse}; " +
            $"mean k3 {Number(s.MeanK3)}, mean max|π−μ| {Number(s.MeanMaxAbsProbDiff)}; {s.SkippedSteps} skipped optimizer steps.{error}");
    }
}

using System.Globalization;
using Precision.Orleans.Reporting;

namespace Precision.Orleans.Bench;

/// <summary>
/// The <c>sharded-step</c> figures as a page people can compare runs with: PREFIX.html (the three tables and both
/// charts, self-contained) and the two charts alone as PREFIX-step.svg (step time per configuration) and
/// PREFIX-consensus.svg (the consensus round and its parts).
/// </summary>
internal static class ShardedStepReport
{
    public static string[] Write(string prefix, string header, IReadOnlyList<ShardedStepBenchmark.Row> rows, string storage, string loadBefore, string loadAfter)
    {
        string stepSvg = StepChart(rows);
        string consensusSvg = ConsensusChart(rows);
        string F(double v, string format) => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);
        var one = rows.First(r => r.Workers == 1 && r.Shards == 1);
        var page = new HtmlReport("sharded-step: the distributed learner on two learner-role silos")
            .Warning($"Measured on a shared 2-core machine (other jobs ran at the same time; load average before {loadBefore}, after {loadAfter}): " +
                "compare configurations within this run, not absolute figures across runs. Both silos run in one process on the same 2 cores, " +
                "so a second silo adds messages and contention, not cores.")
            .Paragraph(header)
            .Figures(stepSvg, consensusSvg)
            .Heading("Optimizer step (median of 6 after a warm-up)")
            .Table(["workers", "shards", "step s", "vs 1×1", "fetch s", "consensus ms", "begin ms", "reduce ms", "apply ms", "log write ms", "decide+rest ms", "MB moved/step", "skipped"],
                rows.Select(r => (IReadOnlyList<string>)[$"{r.Workers}", $"{r.Shards}", F(r.StepSeconds, "0.000"), F(r.StepSeconds / one.StepSeconds, "0.00") + "×",
                    F(r.FetchSeconds, "0.000"), F(r.ConsensusMs, "0.0"), F(r.BeginMs, "0.0"), F(r.ReduceMs, "0.0"), F(r.ApplyMs, "0.0"), F(r.LogWriteMs, "0.0"),
                    F(r.DecideMs, "0.0"), F(r.MovedMB, "0.0"), $"{r.SkippedSteps}"]))
            .Paragraph($"Grain storage: {storage}. Apply includes each shard's durable log write (the shard answers only after it). " +
                "begin / reduce / apply: wall time of each phase's parallel calls to the shards, from call filters on the client; log write: the longest single shard-log write (timed around the grain-storage provider; each shard answers Apply after its own).")
            .Heading("Old-log-prob pass on the gradient workers vs the learner's own pass")
            .Table(["workers", "shards", "pass s", "learner s", "ratio", "first pass s", "its fetch s", "KB out", "KB back", "same bits"],
                rows.Select(r => (IReadOnlyList<string>)[$"{r.Workers}", $"{r.Shards}", F(r.Pass.Seconds, "0.000"), F(r.Pass.LearnerSeconds, "0.000"),
                    F(r.Pass.Seconds / r.Pass.LearnerSeconds, "0.00") + "×", F(r.Pass.FirstSeconds, "0.000"), F(r.Pass.FirstFetchSeconds, "0.000"),
                    F(r.Pass.OutBytes / 1e3, "0.0"), F(r.Pass.BackBytes / 1e3, "0.0"), r.Pass.SameBits ? "yes" : "NO"]))
            .Heading("Sharded checkpoint vs the learner's full checkpoint (4 workers)")
            .Table(["shards", "sharded s", "full s", "ratio", "MB by shards", "KB by learner", "MB full", "moments pull s", "pull+full s", "MB not pulled"],
                rows.Where(r => r.Checkpoint is not null).Select(r => (IReadOnlyList<string>)[$"{r.Shards}", F(r.Checkpoint!.ShardedSeconds, "0.000"),
                    F(r.Checkpoint.FullSeconds, "0.000"), F(r.Checkpoint.ShardedSeconds / r.Checkpoint.FullSeconds, "0.00") + "×", F(r.Checkpoint.ShardBytes / 1e6, "0.0"),
                    F(r.Checkpoint.LearnerBytes / 1e3, "0.0"), F(r.Checkpoint.FullBytes / 1e6, "0.0"), F(r.Checkpoint.MomentsPullSeconds, "0.000"), F(r.Checkpoint.MomentsPullSeconds + r.Checkpoint.FullSeconds, "0.000"),
                    F(r.Checkpoint.MomentsBytes / 1e6, "0.0")]));
        string html = prefix + ".html", step = prefix + "-step.svg", consensus = prefix + "-consensus.svg";
        File.WriteAllText(html, page.Build());
        File.WriteAllText(step, stepSvg);
        File.WriteAllText(consensus, consensusSvg);
        return [html, step, consensus];
    }

    private static string StepChart(IReadOnlyList<ShardedStepBenchmark.Row> rows) => SvgChart.Line(new ChartSpec
    {
        Title = "Optimizer step time (shared 2-core machine)",
        XAxis = new AxisOptions("gradient workers (spread over 2 learner-role silos)", Min: 0.5, Max: 4.5),
        YAxis = new AxisOptions("seconds per step (median)", Min: 0),
        Series = [.. rows.GroupBy(r => r.Shards).SelectMany(g => new[]
        {
            new ChartSeries($"step, {g.Key} shard{(g.Key == 1 ? "" : "s")}", [.. g.Select(r => (double)r.Workers)], [.. g.Select(r => r.StepSeconds)]),
            new ChartSeries($"fetch, {g.Key} shard{(g.Key == 1 ? "" : "s")}", [.. g.Select(r => (double)r.Workers)], [.. g.Select(r => r.FetchSeconds)]),
        })],
    });

    private static string ConsensusChart(IReadOnlyList<ShardedStepBenchmark.Row> rows) => SvgChart.Line(new ChartSpec
    {
        Title = "Consensus round per step (shared 2-core machine)",
        XAxis = new AxisOptions("gradient workers (spread over 2 learner-role silos)", Min: 0.5, Max: 4.5),
        YAxis = new AxisOptions("ms per step (median)", Min: 0),
        Series = [.. rows.GroupBy(r => r.Shards).SelectMany(g => new[]
        {
            new ChartSeries($"consensus, {g.Key} shard{(g.Key == 1 ? "" : "s")}", [.. g.Select(r => (double)r.Workers)], [.. g.Select(r => r.ConsensusMs)]),
            new ChartSeries($"apply incl. log write, {g.Key} shard{(g.Key == 1 ? "" : "s")}", [.. g.Select(r => (double)r.Workers)], [.. g.Select(r => r.ApplyMs)]),
            new ChartSeries($"reduce, {g.Key} shard{(g.Key == 1 ? "" : "s")}", [.. g.Select(r => (double)r.Workers)], [.. g.Select(r => r.ReduceMs)]),
        })],
    });
}

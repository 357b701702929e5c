using System.Globalization;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Reporting;
using static Precision.Orleans.Client.Experiments.ReportFormat;

namespace Precision.Orleans.Client.Experiments;

/// <summary>
/// The report's opening section: the training–inference mismatch of every run, and bf16 over fp16 for each algorithm
/// run in both — the paper's point, and the figure that does not depend on the machine. Accuracy after a few dozen
/// iterations at this scale is within run-to-run noise, and the section says so.
/// </summary>
internal static class MismatchLead
{
    public static void Write(HtmlReport html, IReadOnlyList<ReportedRun> runs)
    {
        var measured = runs.Where(r => r.Stats.Iterations > 0).ToList();
        if (measured.Count == 0) return;
        html.Heading("Training–inference mismatch");
        html.Table(["run", "mean max |π−μ|", "mean k3", "mean |log π(y)/μ(y)|", "final accuracy"],
            measured.Select(r => (IReadOnlyList<string>)
                [r.Name, Number(r.Stats.MeanMaxAbsProbDiff), Number(r.Stats.MeanK3), Number(r.Stats.MeanAbsSeqLogRatio), Percent(r.Stats.FinalAccuracy)]));
        foreach (var algorithm in measured.Select(r => r.Cell.Algorithm).Distinct())
        {
            var fp16 = measured.FirstOrDefault(r => r.Cell.Algorithm == algorithm && r.Cell.Precision is { Train: DType.Fp16, Rollout: DType.Fp16 });
            var bf16 = measured.FirstOrDefault(r => r.Cell.Algorithm == algorithm && r.Cell.Precision is { Train: DType.Bf16, Rollout: DType.Bf16 });
            if (fp16 is null || bf16 is null) continue;
            // Every number below is already formatted invariantly (Ratio, Percent).
            html.Paragraph(
                $"{algorithm}: bf16/bf16 has {Ratio(bf16.Stats.MeanMaxAbsProbDiff, fp16.Stats.MeanMaxAbsProbDiff)} fp16/fp16's mean max |π−μ|, " +
                $"{Ratio(bf16.Stats.MeanK3, fp16.Stats.MeanK3)} its k3 and {Ratio(bf16.Stats.MeanAbsSeqLogRatio, fp16.Stats.MeanAbsSeqLogRatio)} its mean |log π(y)/μ(y)|: " +
                "the gap the paper removes by training and sampling in FP16. It comes from rounding alone and is much the same on every CPU. " +
                $"Accuracy ({Percent(fp16.Stats.FinalAccuracy)} fp16 vs {Percent(bf16.Stats.FinalAccuracy)} bf16 at the end) differs between machines " +
                "(e.g. with and without AVX-512) and, after a few dozen iterations of a model this small, by less than run-to-run noise: " +
                "fp16 ending below bf16 here says nothing about either.");
        }
    }

    private static string Ratio(double a, double b) =>
        b > 0 && double.IsFinite(a / b) ? (a / b).ToString("0.0", CultureInfo.InvariantCulture) + "×" : None;
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;
using Precision.Orleans.Client.Experiments;
using Precision.Orleans.RL.Experiments;
using Precision.Orleans.RL.Spec;

namespace Precision.Orleans.RL.Tests.Experiments;

public sealed class ExperimentReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("exp-report").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static IReadOnlyList<ExperimentCell> Grid() => new ExperimentGrid
    {
        Base = new RunSpec { Model = "m", Schedule = new ScheduleSpec { Iterations = 10 } },
        Algorithms = ["pg-seq-is", "grpo-token-tis"],
        Precisions = [PrecisionPair.Parse("fp16/fp16"), PrecisionPair.Parse("bf16/bf16")],
    }.Expand();

    private void WriteRun(string name, IEnumerable<double> accuracy, string algorithm, string dtype, double seconds, double mismatch, string? partial = null,
        long tokens = 2560) =>
        SyntheticMetrics.Write(Path.Combine(_dir, name),
            accuracy.Select((a, i) => SyntheticMetrics.Row(i + 1, a, algorithm, dtype, dtype, seconds, mismatch, tokens)), partial);

    /// <summary>
    /// pg-seq-is fp16 rises to ≥ 95% at step 7; grpo-token-tis fp16 runs 10 slower iterations; grpo-token-tis bf16
    /// peaks then collapses; pg-seq-is bf16 was never run; its fp16 twin at bf16 is missing, so only fp16 gives a ratio.
    /// </summary>
    private ExperimentReportFiles WriteSyntheticExperiment()
    {
        WriteRun("pg-seq-is-fp16-fp16", [0.3, 0.4, 0.55, 0.7, 0.8, 0.9, 0.96, 0.94, 0.97, 0.99], "pg-seq-is", "fp16", 1.6, 0.01, tokens: 5120);
        WriteRun("grpo-token-tis-fp16-fp16", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.949], "grpo-token-tis", "fp16", 2.0, 0.01);
        WriteRun("grpo-token-tis-bf16-bf16", [0.3, 0.5, 0.7, 0.85, 0.88, 0.8, 0.6, 0.4], "grpo-token-tis", "bf16", 2.1, 0.2,
            partial: "{\"step\":9,\"acc");
        return ExperimentReport.Write(_dir, new ExperimentRunner(_dir).Assess(Grid()), "grid.yaml");
    }

    [Fact]
    public void TheReportLeadsWithTheMismatchAndHasNoEmptyLegendBox()
    {
        WriteRun("pg-seq-is-bf16-bf16", [0.3, 0.5, 0.7], "pg-seq-is", "bf16", 1.6, 0.08);
        var files = WriteSyntheticExperiment();
        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(files.Html));
        int mismatch = html.IndexOf("<h2>Training–inference mismatch</h2>", StringComparison.Ordinal);
        Assert.InRange(mismatch, 0, html.IndexOf("<h2>Training dynamics", StringComparison.Ordinal));
        // pg-seq-is bf16 (0.08) over fp16 (0.01) of mean max |π−μ|, and the accuracy caveat.
        Assert.Contains("pg-seq-is: bf16/bf16 has 8.0× fp16/fp16's mean max |π−μ|", html);
        Assert.Contains("run-to-run noise", html);
        Assert.DoesNotContain("fill-opacity=\"0.85\"", html);
    }

    [Theory]
    [InlineData(9.5, true)]
    [InlineData(1.2, false)]
    public void TimingsCarryAWarningWhenTheMachineWasShared(double meanLoad, bool warned)
    {
        File.WriteAllText(Path.Combine(_dir, LoadAverageRecord.FileName), JsonSerializer.Serialize(new LoadAverageRecord(2, 12, meanLoad, meanLoad + 1)));
        var files = WriteSyntheticExperiment();
        string html = File.ReadAllText(files.Html);
        Assert.Equal(warned, html.Contains("class=\"warn\"", StringComparison.Ordinal));
        Assert.Equal(warned, html.Contains("shared with other work", StringComparison.Ordinal));
        Assert.Equal(warned, files.Load!.Shared);
    }

    [Fact]
    public void HtmlHasOnePolylinePerRunPerChartAndTheSvgFiles()
    {
        var files = WriteSyntheticExperiment();
        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(files.Html));
        int charts = Regex.Matches(html, "<svg xmlns").Count / 2; // each panel: a legend wrapper around the chart
        Assert.Equal(6, charts);
        // Three runs have metrics: one line each in every chart; the run that never started draws none.
        Assert.Equal(3 * 6, Regex.Matches(html, "<polyline").Count);
        Assert.Equal(6, files.Svgs.Count);
        foreach (string svg in files.Svgs)
        {
            string text = File.ReadAllText(svg);
            Assert.Equal(3, Regex.Matches(text, "<polyline").Count);
            Assert.Contains("grpo-token-tis-bf16-bf16", text);
            Assert.DoesNotContain("pg-seq-is-bf16-bf16", text);
        }
        // A run keeps its colour in every chart.
        string color = Reporting.Palette.At(2);
        Assert.All(files.Svgs, svg => Assert.Contains($"stroke=\"{color}\"", File.ReadAllText(svg)));
    }

    [Fact]
    public void TableAndJsonComputeFirstStepAtTargetTimingAndCollapse()
    {
        var files = WriteSyntheticExperiment();
        using var json = JsonDocument.Parse(File.ReadAllText(files.Json));
        var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);

        var pg = runs["pg-seq-is-fp16-fp16"];
        Assert.Equal(7, pg.GetProperty("first_step_at_or_above95").GetInt32());
        Assert.Equal(0.99, pg.GetProperty("best_accuracy").GetDouble());
        Assert.False(pg.GetProperty("collapsed").GetBoolean());
        // 0.949 never reaches 95%.
        Assert.Equal(JsonValueKind.Null, runs["grpo-token-tis-fp16-fp16"].GetProperty("first_step_at_or_above95").ValueKind);

        var bf = runs["grpo-token-tis-bf16-bf16"];
        Assert.True(bf.GetProperty("collapsed").GetBoolean());
        Assert.Equal("unfinished (8/10)", bf.GetProperty("state").GetString());
        Assert.Single(bf.GetProperty("metrics_problems").EnumerateArray());
        Assert.Equal(0.04, bf.GetProperty("mean_k3").GetDouble(), 9);
        Assert.Equal("not run", runs["pg-seq-is-bf16-bf16"].GetProperty("state").GetString());

        // Only fp16 has both algorithms: 1.6 s / 2.0 s (bf16 has grpo-token-tis alone).
        var ratio = Assert.Single(json.RootElement.GetProperty("timing_ratios").EnumerateArray());
        Assert.Equal("fp16/fp16", ratio.GetProperty("precision").GetString());
        Assert.Equal(0.8, ratio.GetProperty("ratio").GetDouble(), 9);
        // pg-seq-is wrote twice the tokens in its 1.6 s: per token it took 0.4 of grpo-token-tis's time.
        Assert.Equal(0.4, ratio.GetProperty("ratio_per_token").GetDouble(), 9);

        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(files.Html));
        Assert.Contains("<td>fp16/fp16</td><td>pg-seq-is-fp16-fp16</td><td>finished</td><td>99.0%</td><td>99.0%</td><td>7</td>", html);
        Assert.Contains("<td>bf16/bf16</td><td>pg-seq-is-bf16-bf16</td><td>not run</td><td>—</td>", html);
        Assert.Contains("grpo-token-tis-bf16-bf16 (unfinished (8/10)): peak accuracy 88.0% at step 5", html);
        Assert.Contains("collapsed: its 3-iteration mean accuracy fell", html);
        Assert.Contains("<td>0.800</td>", html);
    }

    [Fact]
    public void CollapseIsMeasuredOnTheTrailingMeanNotOneBadBatch()
    {
        // One batch 30 points down is noise; a sustained fall is a collapse.
        Assert.False(RunStatistics.From([.. new[] { 0.8, 0.8, 0.8, 0.8, 0.8, 0.5, 0.8, 0.8 }.Select((a, i) => SyntheticMetrics.Row(i + 1, a))]).Collapsed);
        var fell = RunStatistics.From([.. new[] { 0.8, 0.8, 0.8, 0.8, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5 }.Select((a, i) => SyntheticMetrics.Row(i + 1, a))]);
        Assert.True(fell.Collapsed);
        Assert.Equal(0.3, fell.LargestDropAfterPeak, 9);
    }

    [Fact]
    public void AnEmptyExperimentDirectoryStillGivesAReport()
    {
        var files = ExperimentReport.Write(_dir, new ExperimentRunner(_dir).Assess(Grid()), "grid.yaml");
        string html = System.Net.WebUtility.HtmlDecode(File.ReadAllText(files.Html));
        Assert.DoesNotContain("<polyline", html);
        Assert.Contains("No pg-seq-is ÷ grpo-token-tis ratio", html);
        Assert.Contains("pg-seq-is-fp16-fp16 (not run): no iterations recorded.", html);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Precision.Orleans.Abstractions;
using Precision.Orleans.Client.Mismatch;
using Precision.Orleans.Engine.Analysis;
using Xunit;

namespace Precision.Orleans.Engine.Tests.Client;

public class MismatchReportTests
{
    private static DTypeMismatch Fake(DType d, float delta)
    {
        // Two responses whose every token's log π is log μ + delta (or − delta): seq log-ratios ±k·delta.
        float[][] mu = [[-0.1f, -0.7f, -2f], [-0.3f, -1.2f]];
        float[][] pi = [mu[0].Select(x => x + delta).ToArray(), mu[1].Select(x => x - delta).ToArray()];
        return new DTypeMismatch(d, MismatchAnalysis.Compute(pi, mu), pi, mu, ["add 1+2: = 3"], 1.5, 0.5, 2);
    }

    private static MismatchReport Report() => new(
        new MismatchSettings { ModelDirectory = "m", Prompts = 1, SamplesPerPrompt = 2 }, 1234,
        [Fake(DType.Fp32, 1e-6f), Fake(DType.Bf16, 8e-3f), Fake(DType.Fp16, 1e-3f)]);

    [Fact]
    public void Json_has_every_dtype_and_the_bf16_over_fp16_ratio()
    {
        using var doc = JsonDocument.Parse(Report().ToJson());
        var root = doc.RootElement;
        foreach (string d in new[] { "fp32", "bf16", "fp16" })
            Assert.Equal(5, root.GetProperty("dtypes").GetProperty(d).GetProperty("tokens").GetInt32());
        // mean |seq lr| = (3δ + 2δ)/2, so the ratio is δ_bf16 / δ_fp16 = 8 (up to float rounding of the inputs).
        double ratio = root.GetProperty("ratios").GetProperty("mean_abs_seq_log_ratio").GetProperty("bf16_over_fp16").GetDouble();
        Assert.InRange(ratio, 7.9, 8.1);
        var ci = root.GetProperty("ratios").GetProperty("mean_abs_seq_log_ratio_bf16_over_fp16_ci95");
        Assert.InRange(ratio, ci[0].GetDouble(), ci[1].GetDouble());
        Assert.True(root.GetProperty("fp32_below_both").GetBoolean());
        Assert.Equal(2, root.GetProperty("dtypes").GetProperty("bf16").GetProperty("seq_log_ratios").GetArrayLength());
    }

    [Fact]
    public void Json_and_html_carry_the_per_token_noise_drift_decomposition()
    {
        var report = Report();
        using var doc = JsonDocument.Parse(report.ToJson());
        var bf16 = doc.RootElement.GetProperty("dtypes").GetProperty("bf16");
        // Token log-ratios +δ (3 tokens) and −δ (2 tokens): mean δ/5, σ = δ·√(1 − 1/25).
        double delta = 8e-3f;
        Assert.Equal(delta / 5, bf16.GetProperty("token_log_ratio_mean").GetDouble(), 6);
        Assert.Equal(delta * Math.Sqrt(24.0 / 25), bf16.GetProperty("token_log_ratio_std").GetDouble(), 6);
        // k3 ≈ δ²/2, so σ²/k3² ≈ 3.8/δ² ≫ mean length 2.5: noise regime.
        double k3 = bf16.GetProperty("k3").GetDouble();
        double expected = delta * delta * 24 / 25 / (k3 * k3);
        Assert.InRange(bf16.GetProperty("drift_length_measured").GetDouble(), expected * 0.999, expected * 1.001);
        Assert.InRange(k3, 0.45 * delta * delta, 0.55 * delta * delta);
        Assert.Equal("noise", bf16.GetProperty("regime").GetString());
        double stdRatio = doc.RootElement.GetProperty("ratios").GetProperty("token_log_ratio_std").GetProperty("bf16_over_fp16").GetDouble();
        Assert.InRange(stdRatio, 7.9, 8.1);
        Assert.Contains("Noise or drift?", report.ToHtml());
        Assert.Equal(3, report.DecompositionRows().Count());
    }

    [Fact]
    public void Json_and_html_carry_the_projection_to_longer_responses()
    {
        var report = Report();
        using var doc = JsonDocument.Parse(report.ToJson());
        var projection = doc.RootElement.GetProperty("projection");
        var rows = projection.GetProperty("bf16_over_fp16");
        Assert.Equal(MismatchReport.ProjectionLengths.Count, rows.GetArrayLength());
        var bf16 = report.Results.Single(r => r.DType == DType.Bf16).Metrics;
        var fp16 = report.Results.Single(r => r.DType == DType.Fp16).Metrics;
        foreach (var row in rows.EnumerateArray())
        {
            int length = row.GetProperty("length").GetInt32();
            Assert.Equal(SequenceRatioProjection.Project(bf16, length), row.GetProperty("bf16").GetDouble(), 12);
            Assert.Equal(SequenceRatioProjection.ProjectedRatio(bf16, fp16, length), row.GetProperty("ratio").GetDouble(), 9);
        }
        Assert.Equal(SequenceRatioProjection.ProjectAtMeasuredLengths(bf16), projection.GetProperty("bf16_at_measured_lengths").GetDouble(), 12);
        string html = report.ToHtml();
        Assert.Contains("Projected to longer responses", html);
        Assert.Contains("8,192", html);
        Assert.Contains(report.ProjectionLines(), line => line.StartsWith("bf16: at the measured response lengths", StringComparison.Ordinal));
    }

    [Fact]
    public void Projection_lines_say_where_8x_and_24x_are_reached_or_that_they_never_are()
    {
        // σ ratio 9 (already past 8× at one token), k3 ratio ≈ 81 (24× is reached at some length); 100× never is.
        var report = new MismatchReport(new MismatchSettings { ModelDirectory = "m" }, 1, [Fake(DType.Bf16, 9e-3f), Fake(DType.Fp16, 1e-3f)]);
        var lines = report.ProjectionLines().ToList();
        Assert.Contains(lines, l => l.StartsWith("projected bf16 / fp16 is at least 8× at every length (the σ ratio is already 9.00×)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("projected bf16 / fp16 reaches 24× at responses of ~", StringComparison.Ordinal));
        var slower = new MismatchReport(new MismatchSettings { ModelDirectory = "m" }, 1, [Fake(DType.Bf16, 2e-3f), Fake(DType.Fp16, 1e-3f)]);
        // σ ratio 2, k3 ratio ≈ 4: neither 8× nor 24× is ever reached.
        Assert.Equal(2, slower.ProjectionLines().Count(l => l.Contains("never reaches", StringComparison.Ordinal)));
    }

    [Fact]
    public void Projection_is_left_out_without_both_16_bit_dtypes()
    {
        var report = new MismatchReport(new MismatchSettings { ModelDirectory = "m" }, 1, [Fake(DType.Fp32, 1e-6f), Fake(DType.Bf16, 1e-3f)]);
        Assert.Empty(report.ProjectionRows());
        Assert.Empty(report.ProjectionLines());
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("projection").ValueKind);
        Assert.DoesNotContain("Projected to longer responses", report.ToHtml());
    }

    [Fact]
    public void Html_is_self_contained_with_well_formed_svg_plots()
    {
        string html = Report().ToHtml();
        Assert.DoesNotContain("<script", html);
        var svgs = Regex.Matches(html, "<svg.*?</svg>", RegexOptions.Singleline);
        // π vs μ per dtype (3) + seq log-ratio vs length per dtype (3) + all dtypes |seq log-ratio| (1).
        Assert.Equal(7, svgs.Count);
        foreach (Match m in svgs) XDocument.Parse(m.Value);
        Assert.Contains("bf16 / fp16", html);
        Assert.Contains("per response-length bucket", html);
    }

    [Fact]
    public void Missing_dtype_gives_no_ratio_instead_of_a_wrong_one()
    {
        var report = new MismatchReport(new MismatchSettings { ModelDirectory = "m" }, 1, [Fake(DType.Bf16, 1e-3f)]);
        Assert.Null(report.Ratio(DType.Bf16, DType.Fp16, m => m.MeanAbsSeqLogRatio));
        Assert.Null(report.Fp32BelowBoth());
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("ratios").GetProperty("k3").GetProperty("bf16_over_fp16").ValueKind);
    }
}
